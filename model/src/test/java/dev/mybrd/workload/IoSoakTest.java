package dev.mybrd.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.driver.IrqMode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bounded soak: 100,000 verified operations through each queue mode of mybrd, 4 jobs on 4 CPUs,
 * iodepth 8, 4 KiB blocks at 512-byte offsets (most straddle two pages), half reads, 5% discards,
 * jobs on private ranges of the 4 MiB disk; then 100,000 more with every job over the whole disk
 * in 1 KiB blocks. Nothing may be lost, completed twice or read back wrong. The counts are printed.
 * The modes: bio-mode, and request mode and blk-mq with softirq completion; a mode the model does not
 * have yet is skipped. Measured in bio-mode: about 2 s per 100,000 operations.
 */
class IoSoakTest {
    private static final long OPS = 100_000;

    /** queue_mode and irqmode pairs to soak. */
    static Stream<Object[]> modes() {
        return Stream.of(new Object[] {QueueMode.BIO, IrqMode.NONE}, new Object[] {QueueMode.RQ, IrqMode.SOFTIRQ},
                new Object[] {QueueMode.MQ, IrqMode.SOFTIRQ});
    }

    @ParameterizedTest(name = "queue_mode={0} irqmode={1}, private ranges")
    @MethodSource("modes")
    void privateRanges(QueueMode mode, IrqMode irq) {
        soak(mode, irq, IoSpec.defaults().withOps(OPS));
    }

    @ParameterizedTest(name = "queue_mode={0} irqmode={1}, shared range")
    @MethodSource("modes")
    void sharedRange(QueueMode mode, IrqMode irq) {
        soak(mode, irq, IoSpec.defaults().withOps(OPS).withLayout(IoSpec.Layout.SHARED).withBlockSize(1024));
    }

    private static void soak(QueueMode mode, IrqMode irq, IoSpec spec) {
        MyBrd brd;
        try {
            brd = new MyBrd(new Kernel(), MyBrd.Config.defaults().withQueueMode(mode).withIrqMode(irq));
        } catch (UnsupportedOperationException notYet) {
            Assumptions.abort(notYet.getMessage());
            return;
        }
        IoResult r = IoWorkload.run(spec, IoTarget.of(brd));
        System.out.printf("io soak %s, %s, %d jobs x iodepth %d, bs %d, %s: submitted %d (r %d, w %d, d %d),"
                        + " completed %d (ok %d, failed %d), lost %d, doubled %d, wrong %d, verified %d sectors,"
                        + " requeued %s, timed out %s, %.1f s, %.0f ops/s%n",
                r.target(), spec.layout().label(), spec.jobs(), spec.iodepth(), spec.blockSize(), spec.mixLabel(),
                r.submitted(), r.reads(), r.writes(), r.discards(), r.completed(), r.ok(), r.failedTotal(), r.lost(),
                r.doubled(), r.wrongData(), r.verifiedSectors(), count(r.requeued()), count(r.timedOut()),
                r.elapsedNanos() / 1e9, r.rate());

        assertThat(r.problems()).as("problems").isEmpty();
        assertThat(r.submitted()).isEqualTo(OPS);
        assertThat(r.completed()).isEqualTo(OPS);
        assertThat(r.lost()).isZero();
        assertThat(r.doubled()).isZero();
        assertThat(r.wrongData()).isZero();
        assertThat(r.clean()).isTrue();
    }

    private static String count(java.util.OptionalLong n) {
        return n.isPresent() ? Long.toString(n.getAsLong()) : "n/a";
    }
}
