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

    private MyBrd disk(IrqMode mode, Bug bug) {
        return new MyBrd(kernel, MyBrd.Config.defaults().withQueueMode(QueueMode.RQ).withIrqMode(mode).withBug(bug));
    }

    private MyBrd disk(IrqMode mode, Injection inj) {
        return new MyBrd(kernel, MyBrd.Config.defaults().withQueueMode(QueueMode.RQ).withIrqMode(mode)
                .withInjection(inj));
    }

    @Test
    void seededDoubleCompletionEndsBeforeTheDataMoveAndFreesARequestStillOnTheDoneList() {
        MyBrd brd = disk(IrqMode.SOFTIRQ, Bug.DOUBLE_COMPLETION);
        Page buf = filled(0x33);
        Bio r = Bio.of(ReqOp.READ, 0).addPage(buf, 4096, 0);
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> brd.submitBio(r))).isInstanceOf(KernelBug.class).hasMessageContaining("ELV_ON_HASH").hasMessageContaining("blk_cpu_done");
        assertThat(r.endioCalls()).as("ended by request_fn before any data moved").isEqualTo(1);
        assertThat(r.status()).isEqualTo(BlkStatus.OK);
        assertThat(buf.kmap()).as("a read of an unwritten sector left the caller's bytes").containsOnly(0x33);
    }

    @Test
    void seededSoftirqDoneWithoutTransferDropsWritesAndReportsSuccess() {
        MyBrd brd = disk(IrqMode.SOFTIRQ, Bug.SOFTIRQ_DONE_NO_TRANSFER);
        Bio w = submit(brd, ReqOp.WRITE, 8, filled(0x44), 4096);
        Page buf = filled(0x55);
        Bio r = submit(brd, ReqOp.READ, 8, buf, 4096);
        drained(brd);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
        assertThat(r.status()).isEqualTo(BlkStatus.OK);
        assertThat(buf.kmap()).as("neither the write nor zeros: the caller's own bytes").containsOnly(0x55);
        assertThat(brd.pages().nrPages()).isZero();
    }

    @Test
    void correctSoftirqModeMovesDataInProcessContext() {
        MyBrd brd = disk(IrqMode.SOFTIRQ);
        Bio w = submit(brd, ReqOp.WRITE, 8, filled(0x44), 4096);
        drained(brd);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
        assertThat(brd.pages().nrPages()).isEqualTo(1);
    }

    @Test
    void seededTransferInSoftirqSleepsInAtomicContext() {
        MyBrd brd = disk(IrqMode.SOFTIRQ, Bug.SOFTIRQ_DONE_TRANSFER);
        Bio w = Bio.of(ReqOp.WRITE, 8).addPage(filled(0x44), 4096, 0);
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> brd.submitBio(w)))
                .isInstanceOf(AtomicSleepBug.class).hasMessageContaining("alloc_page").hasMessageContaining("SOFTIRQ");
        assertThat(w.ended()).isFalse();
    }

    @Test
    void seededBugsNeedTheirMode() {
        assertThatThrownBy(() -> disk(IrqMode.NONE, Bug.DOUBLE_COMPLETION))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> new MyBrd(kernel, MyBrd.Config.defaults().withBug(Bug.MERGE_INTO_STARTED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queue_mode=rq");
    }

    @ParameterizedTest
    @EnumSource(IrqMode.class)
    void failInjectionEndsEveryNthRequestWithEioAndMovesNothing(IrqMode mode) {
        MyBrd brd = disk(mode, new Injection(2, 0, 0, 0));
        Bio w1 = submit(brd, ReqOp.WRITE, 0, filled(1), 4096);
        Bio w2 = submit(brd, ReqOp.WRITE, 64, filled(2), 4096);
        drained(brd);
        assertThat(w1.status()).isEqualTo(BlkStatus.OK);
        assertThat(w2.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(w2.endioCalls()).isEqualTo(1);
        assertThat(brd.pages().nrPages()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(IrqMode.class)
    void aDroppedRequestIsEndedByTheTimeoutWithEio(IrqMode mode) {
        MyBrd brd = disk(mode, new Injection(0, 2, 0, 0));
        Bio w1 = submit(brd, ReqOp.WRITE, 0, filled(1), 4096);
        Bio w2 = submit(brd, ReqOp.WRITE, 64, filled(2), 4096);
        assertThat(w2.ended()).isFalse();
        drained(brd);
        assertThat(w1.status()).isEqualTo(BlkStatus.OK);
        assertThat(w2.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(w1.endioCalls() + w2.endioCalls()).isEqualTo(2);
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("timed out"));
        assertThat(brd.stats().inFlight(PartStat.WRITE)).isZero();
    }

    @ParameterizedTest
    @EnumSource(IrqMode.class)
    void aRequeuedRequestIsRunAgainByKblockdAndSucceeds(IrqMode mode) {
        MyBrd brd = disk(mode, new Injection(0, 0, 1, 0));
        Bio w = submit(brd, ReqOp.WRITE, 0, filled(7), 4096);
        assertThat(w.ended()).as("requeued, waiting for kblockd").isFalse();
        drained(brd);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
        Page buf = filled(0);
        submit(brd, ReqOp.READ, 0, buf, 4096);
        drained(brd);
        assertThat(buf.kmap()).containsOnly(7);
    }

    @Test
    void seededNonIdempotentPrepKillsARequeuedRequest() {
        MyBrd brd = new MyBrd(kernel, MyBrd.Config.defaults().withQueueMode(QueueMode.RQ)
                .withInjection(new Injection(0, 0, 1, 0)).withBug(Bug.PREP_NOT_IDEMPOTENT));
        Bio w = submit(brd, ReqOp.WRITE, 0, filled(7), 4096);
        drained(brd);
        assertThat(w.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("already prepared: kill"));
    }

    @Test
    void withRqAffinityTheSoftirqRunsOnTheSubmittingCpuThroughAnIpi() {
        MyBrd brd = disk(IrqMode.SOFTIRQ, new Injection(0, 0, 1, 0));
        List<Integer> cpus = new ArrayList<>();
        Bio w = Bio.of(ReqOp.WRITE, 0).addPage(filled(1), 4096, 0).onEnd(b -> cpus.add(kernel.smpProcessorId()));
        kernel.runOn(3, "io", () -> brd.submitBio(w));
        drained(brd); // kblockd runs the queue on CPU0; the completion goes back to CPU3
        assertThat(cpus).containsExactly(3);
    }

    @Test
    void withoutRqAffinityTheSoftirqRunsWhereTheRequestCompleted() {
        MyBrd brd = disk(IrqMode.SOFTIRQ, new Injection(0, 0, 1, 0));
        kernel.runOn(0, "sysfs", () -> brd.disk().queue().setSameComp(false));
        List<Integer> cpus = new ArrayList<>();
        Bio w = Bio.of(ReqOp.WRITE, 0).addPage(filled(1), 4096, 0).onEnd(b -> cpus.add(kernel.smpProcessorId()));
        kernel.runOn(3, "io", () -> brd.submitBio(w));
        drained(brd);
        assertThat(cpus).containsExactly(0);
    }

    @Test
    void plugMergesContiguousBiosIntoOneRequestAndEndsEachOnce() {
        MyBrd brd = disk(IrqMode.NONE);
        List<Bio> bios = new ArrayList<>();
        kernel.runOn(0, "io", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            for (int i = 0; i < 4; i++) {
                Bio b = Bio.of(ReqOp.WRITE, 8L * i).addPage(filled(i + 1), 4096, 0);
                bios.add(b);
                brd.submitBio(b);
            }
            assertThat(plug.size()).isEqualTo(1);
            assertThat(bios).noneMatch(Bio::ended);
            BlkPlug.finish(kernel, plug);
            assertThat(bios).allMatch(b -> b.endioCalls() == 1 && b.status() == BlkStatus.OK);
        });
        assertThat(brd.stats().partStatRead(Field.IOS_WRITE)).isEqualTo(1);
        assertThat(brd.stats().partStatRead(Field.MERGES_WRITE)).isEqualTo(3);
        assertThat(brd.stats().partStatRead(Field.SECTORS_WRITE)).isEqualTo(32);
        for (int i = 0; i < 4; i++) {
            Page buf = filled(0);
            submit(brd, ReqOp.READ, 8L * i, buf, 4096);
            assertThat(buf.kmap()).containsOnly(i + 1);
        }
    }

    @Test
    void aPlugIsFlushedAtSixteenRequests() {
        MyBrd brd = disk(IrqMode.NONE);
        kernel.runOn(0, "io", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            List<Bio> bios = new ArrayList<>();
            for (int i = 0; i < 17; i++) {
                Bio b = Bio.of(ReqOp.WRITE, 16L * i).addPage(filled(1), 4096, 0); // gaps: no merges
                bios.add(b);
                brd.submitBio(b);
            }
            assertThat(bios.subList(0, 16)).allMatch(Bio::ended);
            assertThat(bios.get(16).ended()).isFalse();
            assertThat(plug.size()).isEqualTo(1);
            BlkPlug.finish(kernel, plug);
            assertThat(bios.get(16).ended()).isTrue();
        });
    }
}
