package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.blkmq.BlkMqQueue;
import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** mybrd in mq-mode, deterministic: irqmodes, hardware queues, injections, seeded bugs, config errors. */
class MyBrdMqTest {
    private static final long DRAIN = 20_000_000_000L;
    private final Kernel kernel = new Kernel();

    private MyBrd.Config mq() {
        return MyBrd.Config.defaults().withQueueMode(QueueMode.MQ);
    }

    private Bio submit(MyBrd brd, int cpu, ReqOp op, long sector, Page page) {
        Bio bio = Bio.of(op, sector).addPage(page, 4096, 0);
        kernel.runOn(cpu, "io", () -> brd.submitBio(bio));
        return bio;
    }

    private void drained(MyBrd brd) {
        assertThat(brd.drain(DRAIN)).as("drain: %s", brd.drainReport()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(IrqMode.class)
    void aWriteIsReadBackInEveryIrqMode(IrqMode mode) {
        MyBrd brd = new MyBrd(kernel, mq().withIrqMode(mode));
        Bio w = submit(brd, 1, ReqOp.WRITE, 16, MyBrdRqTest.filled(0x5a));
        drained(brd);
        assertThat(w.endioCalls()).isEqualTo(1);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
        Page buf = MyBrdRqTest.filled(0x11);
        Bio r = submit(brd, 2, ReqOp.READ, 16, buf);
        drained(brd);
        assertThat(r.status()).isEqualTo(BlkStatus.OK);
        assertThat(buf.kmap()).containsOnly(0x5a);
    }

    @Test
    void softirqModeEndsOnTheSubmittingCpu() {
        MyBrd brd = new MyBrd(kernel, mq().withIrqMode(IrqMode.SOFTIRQ));
        List<Integer> cpus = new ArrayList<>();
        Bio bio = Bio.of(ReqOp.WRITE, 0).addPage(MyBrdRqTest.filled(1), 4096, 0)
                .onEnd(b -> cpus.add(kernel.smpProcessorId()));
        kernel.runOn(3, "io", () -> brd.submitBio(bio));
        drained(brd);
        assertThat(bio.endioCalls()).isEqualTo(1);
        assertThat(cpus).as("QUEUE_FLAG_SAME_COMP: the done function ran on ctx->cpu").containsExactly(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void everyCpuMapsToOneHardwareQueueAndItsRequestsGoThroughIt(int queues) {
        MyBrd brd = new MyBrd(kernel, mq().withSubmitQueues(queues));
        BlkMqQueue q = brd.mqQueue();
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            int owners = 0;
            for (int h = 0; h < q.nrHwQueues(); h++) {
                for (int i = 0; i < q.hctx(h).nrCtx(); i++) {
                    if (q.hctx(h).ctx(i) == q.ctx(cpu)) {
                        owners++;
                        assertThat(i).isEqualTo(q.ctx(cpu).indexHw());
                        assertThat(h).isEqualTo(q.mqMap(cpu));
                        assertThat(q.hctx(h).hasCpu(cpu)).isTrue();
                    }
                }
            }
            assertThat(owners).as("cpu %d's ctx owners", cpu).isEqualTo(1);
        }
        List<Bio> bios = new ArrayList<>();
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            bios.add(submit(brd, cpu, ReqOp.WRITE, cpu * 64L, MyBrdRqTest.filled(cpu + 1)));
        }
        drained(brd);
        long runs = 0;
        for (int h = 0; h < q.nrHwQueues(); h++) {
            runs += q.hctx(h).runsCount();
            if (queues == 1) {
                assertThat(q.hctx(h).runsCount()).as("hctx %d ran", h).isPositive();
            }
        }
        if (queues == 1) {
            assertThat(runs).isGreaterThanOrEqualTo(kernel.nrCpus());
        } else {
            // blk_mq_make_request: a sync bio is issued directly, no run of the hardware queue
            assertThat(runs).as("direct issue").isZero();
        }
        assertThat(bios).allMatch(b -> b.status() == BlkStatus.OK && b.endioCalls() == 1);
    }

    @Test
    void v44MapSpreadsFourCpusOverTwoQueuesInHalves() {
        MyBrd brd = new MyBrd(kernel, mq().withSubmitQueues(2));
        assertThat(new int[] {brd.mqQueue().mqMap(0), brd.mqQueue().mqMap(1), brd.mqQueue().mqMap(2),
                brd.mqQueue().mqMap(3)}).containsExactly(0, 0, 1, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"busy=1", "busy=2", "fail=2", "requeue=1", "requeue=2", "timeout=2"})
    void everyInjectionEndsEachBioExactlyOnce(String spec) {
        MyBrd brd = new MyBrd(kernel, mq().withSubmitQueues(2).withHwQueueDepth(4).withInjection(Injection.parse(spec)));
        List<Bio> bios = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            bios.add(submit(brd, i % kernel.nrCpus(), ReqOp.WRITE, i * 8L, MyBrdRqTest.filled(i)));
        }
        drained(brd);
        assertThat(bios).allMatch(b -> b.endioCalls() == 1);
        long failed = bios.stream().filter(b -> b.status() == BlkStatus.IOERR).count();
        if (spec.startsWith("fail") || spec.startsWith("timeout")) {
            assertThat(failed).isPositive();
        } else {
            assertThat(failed).isZero();
        }
    }

    @Test
    void aWriteBeyondThePageLimitFailsWithEnospc() {
        MyBrd brd = new MyBrd(kernel, mq().withPageLimit(0));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        drained(brd);
        assertThat(w.status()).isEqualTo(BlkStatus.NOSPC);
    }

    @Test
    void seededQueueRqSwallowsTheError() {
        MyBrd brd = new MyBrd(kernel, mq().withPageLimit(0).withBug(Bug.QUEUE_RQ_SWALLOWS_ERROR));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        drained(brd);
        assertThat(w.status()).as("-ENOSPC reported as success").isEqualTo(BlkStatus.OK);
    }

    @Test
    void seededTransferInQueueRqSleepsWithPreemptionOff() {
        MyBrd brd = new MyBrd(kernel, mq().withBug(Bug.MQ_TRANSFER_IN_QUEUE_RQ));
        Bio w = Bio.of(ReqOp.WRITE, 0).addPage(MyBrdRqTest.filled(7), 4096, 0);
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> brd.submitBio(w)))
                .isInstanceOf(AtomicSleepBug.class).hasMessageContaining("alloc_page");
    }

    @Test
    void seededBusyLeftoversDroppedStrandTheRequest() {
        MyBrd brd = new MyBrd(kernel, mq().withBug(Bug.BUSY_LEFTOVERS_DROPPED).withInjection(Injection.parse("busy=1")));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        assertThat(brd.drain(300_000_000L)).isFalse();
        assertThat(brd.drainReport()).contains("tag(s) of hctx0 held");
        assertThat(w.ended()).isFalse();
    }

    private int expire(BlkMqQueue q) {
        return kernel.runOn(1, "timer", () -> {
            q.advanceJiffies(q.rqTimeout());
            return q.timeoutScan();
        });
    }

    @Test
    void aSlowRequestThatTimesOutIsReArmedAndEndedOnceByTheDriver() {
        MyBrd brd = new MyBrd(kernel, mq().withIrqMode(IrqMode.TIMER).withInjection(Injection.parse("timeout=1000")));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        assertThat(expire(brd.mqQueue())).as("claimed by the scan, then BLK_EH_RESET_TIMER").isEqualTo(1);
        assertThat(w.ended()).isFalse();
        assertThat(kernel.runOn(0, "timer", brd::fireMqTimer)).isEqualTo(1);
        drained(brd);
        assertThat(w.endioCalls()).isEqualTo(1);
        assertThat(w.status()).isEqualTo(BlkStatus.OK);
    }

    @Test
    void aDroppedRequestIsEndedByTheTimeoutWithEio() {
        MyBrd brd = new MyBrd(kernel, mq().withInjection(Injection.parse("timeout=1")));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        assertThat(w.ended()).isFalse();
        assertThat(expire(brd.mqQueue())).isEqualTo(1);
        assertThat(w.endioCalls()).isEqualTo(1);
        assertThat(w.status()).isEqualTo(BlkStatus.IOERR);
    }

    @Test
    void seededCompletionAndTimeoutBothEndOneRequest() {
        MyBrd brd = new MyBrd(kernel, mq().withIrqMode(IrqMode.TIMER).withInjection(Injection.parse("timeout=1000"))
                .withBug(Bug.COMPLETION_AND_TIMEOUT_BOTH_END));
        Bio w = submit(brd, 0, ReqOp.WRITE, 0, MyBrdRqTest.filled(7));
        expire(brd.mqQueue());
        assertThat(w.status()).as("ended by the timeout").isEqualTo(BlkStatus.IOERR);
        assertThatThrownBy(() -> kernel.runOn(0, "timer", brd::fireMqTimer)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("already freed");
    }

    @Test
    void badConfigurationIsEinval() {
        assertThatThrownBy(() -> mq().withSubmitQueues(0)).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> mq().withHwQueueDepth(0)).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> mq().withHwQueueDepth(10241)).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> new MyBrd(kernel, MyBrd.Config.defaults().withBug(Bug.QUEUE_RQ_SWALLOWS_ERROR)))
                .hasMessageContaining("queue_mode=mq");
    }
}
