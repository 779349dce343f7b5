package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** mybrd in request-mode, one task at a time: each irqmode, injections, seeded bugs, statistics. */
class MyBrdRqTest {
    private static final long DRAIN = 20_000_000_000L;
    private final Kernel kernel = new Kernel();

    private MyBrd disk(IrqMode mode) {
        return new MyBrd(kernel, MyBrd.Config.defaults().withQueueMode(QueueMode.RQ).withIrqMode(mode));
    }

    static Page filled(int value) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) value);
        return p;
    }

    private Bio submit(MyBrd brd, ReqOp op, long sector, Page page, int len) {
        Bio bio = Bio.of(op, sector).addPage(page, len, 0);
        kernel.runOn(1, "io", () -> brd.submitBio(bio));
        return bio;
    }

    private void drained(MyBrd brd) {
        assertThat(brd.drain(DRAIN)).as("drain: %s", brd.drainReport()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(IrqMode.class)
    void aWriteIsReadBackInEveryIrqMode(IrqMode mode) {
        MyBrd brd = disk(mode);
        Bio w = submit(brd, ReqOp.WRITE, 16, filled(0x5a), 4096);
        drained(brd);
        assertThat(w.endioCalls()).isEqualTo(1);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
        Page buf = filled(0x11);
        Bio r = submit(brd, ReqOp.READ, 16, buf, 4096);
        drained(brd);
        assertThat(r.endioCalls()).isEqualTo(1);
        assertThat(r.status()).isEqualTo(BlkStatus.OK);
        assertThat(buf.kmap()).containsOnly(0x5a);
        assertThat(brd.stats().partStatRead(Field.IOS_WRITE)).isEqualTo(1);
        assertThat(brd.stats().partStatRead(Field.IOS_READ)).isEqualTo(1);
        assertThat(brd.stats().partStatRead(Field.SECTORS_WRITE)).isEqualTo(8);
        assertThat(brd.stats().inFlight(PartStat.READ) + brd.stats().inFlight(PartStat.WRITE)).isZero();
    }

    @Test
    void softirqModeEndsTheBioAfterSubmitReturnsOnTheSubmittingCpu() {
        MyBrd brd = disk(IrqMode.SOFTIRQ);
        List<Integer> cpus = new ArrayList<>();
        Bio bio = Bio.of(ReqOp.WRITE, 0).addPage(filled(1), 4096, 0).onEnd(b -> cpus.add(kernel.smpProcessorId()));
        boolean endedInside = kernel.runOn(2, "io", () -> {
            brd.submitBio(bio);
            return bio.ended();
        });
        assertThat(endedInside).as("ended before submit_bio returned").isFalse();
        assertThat(bio.endioCalls()).as("ended by the softirq at the end of the task").isEqualTo(1);
        assertThat(cpus).containsExactly(2);
    }
}
