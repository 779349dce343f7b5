package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkCore;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.Gendisk;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * null_blk's lost queue restart (spec section 4, P2): a completion that tests "stopped" before a
 * submitter stops the queue, and frees its tag after, leaves the queue stopped for good.
 */
class NullBlkRqTest {
    private final Kernel kernel = new Kernel();

    private static Bio read(long sector) {
        return Bio.of(ReqOp.READ, sector).addPage(Page.buffer(), 4096, 0);
    }

    /** Runs A; while A's completion is at its preemption point, B is submitted on another CPU. */
    private Bio race(NullBlkRq nullb) {
        Gendisk disk = new Gendisk(252, 0, 1, "nullb0", 1 << 20, nullb.queue(), nullb);
        Bio b = read(64);
        AtomicBoolean once = new AtomicBoolean();
        nullb.setPreemptionPoint(() -> {
            if (once.compareAndSet(false, true)) {
                Thread other = new Thread(() -> kernel.runOn(2, "submitter B", () -> BlkCore.genericMakeRequest(kernel, disk, b)));
                other.start();
                try {
                    other.join(10_000);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        Bio a = read(0);
        kernel.runOn(1, "submitter A", () -> BlkCore.genericMakeRequest(kernel, disk, a));
        assertThat(a.endioCalls()).isEqualTo(1);
        for (int round = 0; round < 3; round++) {
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "idle", () -> { });
            }
        }
        return b;
    }

    @Test
    void v44LosesTheRestartAndTheDeferredRequestNeverRuns() {
        NullBlkRq nullb = new NullBlkRq(kernel, 1, NullBlkRq.Variant.V4_4);
        Bio b = race(nullb);
        assertThat(b.ended()).as("B deferred on a stopped queue that nobody restarts").isFalse();
        assertThat(nullb.queue().stopped()).isTrue();
        assertThat(nullb.tagsInUse()).as("the tag B needed is free").isZero();
    }

    @Test
    void freeingTheTagBeforeTheLockedTestNeverLosesIt() {
        NullBlkRq nullb = new NullBlkRq(kernel, 1, NullBlkRq.Variant.FREE_THEN_CHECK_LOCKED);
        Bio b = race(nullb);
        assertThat(b.endioCalls()).isEqualTo(1);
        assertThat(b.status()).isEqualTo(BlkStatus.OK);
        assertThat(nullb.queue().stopped()).isFalse();
    }
}
