package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.WaitQueueHead;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Queue freeze on q_usage_counter: enter/exit, freeze waits for the drain, unfreeze lets blocked enters in. */
class BlkMqFreezeTest {
    private static final long BOUND_NANOS = 20_000_000_000L;
    private final Kernel kernel = new Kernel(4);

    private BlkMqFreeze freeze(BlkMqFreeze.Variant v) {
        return new BlkMqFreeze(kernel, "mybrd", v, () -> { });
    }

    @ParameterizedTest
    @EnumSource(BlkMqFreeze.Variant.class)
    void freezeWaitsForEveryHolderThenNoEnterSucceeds(BlkMqFreeze.Variant v) throws Exception {
        BlkMqFreeze q = freeze(v);
        assertThat(kernel.runOn(0, "io", () -> q.enter(true))).isZero();
        Thread freezer = kernel.kthreadRun(1, "freezer", q::freezeQueue);
        awaitQueued(q.freezeWaitQueue(), 1);
        assertThat(q.frozenAndDrained()).isFalse();
        assertThat(kernel.runOn(2, "nowait", () -> q.enter(false))).isEqualTo(Errno.EBUSY.negative());
        kernel.runOn(0, "io", q::exit);
        join(freezer);
        assertThat(q.frozenAndDrained()).isTrue();
        kernel.runOn(1, "freezer", q::unfreezeQueue);
        assertThat(q.freezeDepth()).isZero();
        assertThat(kernel.runOn(0, "io", () -> q.enter(false))).isZero();
        kernel.runOn(0, "io", q::exit);
        assertThat(q.warnings()).isZero();
        assertThat(kernel.oopses()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(BlkMqFreeze.Variant.class)
    void aBlockedEnterProceedsAfterTheUnfreeze(BlkMqFreeze.Variant v) throws Exception {
        BlkMqFreeze q = freeze(v);
        kernel.runOn(0, "freezer", q::freezeQueue);
        AtomicInteger got = new AtomicInteger(1);
        Thread io = kernel.kthreadRun(1, "io", () -> got.set(q.enter(true)));
        awaitQueued(q.freezeWaitQueue(), 1);
        kernel.runOn(0, "freezer", q::unfreezeQueue);
        join(io);
        assertThat(got.get()).isZero();
        assertThat(q.usageCounter().count()).isEqualTo(2); // the initial reference and the enter's
    }

    @Test
    void aDyingQueueAnswersEnodevToBlockedEnters() throws Exception {
        BlkMqFreeze q = freeze(BlkMqFreeze.Variant.V4_4);
        kernel.runOn(0, "freezer", q::freezeQueue);
        AtomicInteger got = new AtomicInteger(1);
        Thread io = kernel.kthreadRun(1, "io", () -> got.set(q.enter(true)));
        awaitQueued(q.freezeWaitQueue(), 1);
        kernel.runOn(0, "cleanup", q::setQueueDying);
        join(io);
        assertThat(got.get()).isEqualTo(Errno.ENODEV.negative());
    }

    @ParameterizedTest
    @EnumSource(BlkMqFreeze.Variant.class)
    void nestedFreezesNeedAsManyUnfreezesAndAnExtraOneOnlyWarns(BlkMqFreeze.Variant v) {
        BlkMqFreeze q = freeze(v);
        kernel.runOn(0, "a", q::freezeQueue);
        kernel.runOn(1, "b", q::freezeQueue);
        kernel.runOn(0, "a", q::unfreezeQueue);
        assertThat(kernel.runOn(2, "io", () -> q.enter(false))).isEqualTo(Errno.EBUSY.negative());
        kernel.runOn(1, "b", q::unfreezeQueue);
        kernel.runOn(1, "b", q::unfreezeQueue);
        assertThat(q.warnings()).isEqualTo(1);
        assertThat(q.freezeDepth()).isZero();
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("WARNING: block/blk-mq.c: blk_mq_unfreeze_queue without a freeze"));
        assertThat(kernel.runOn(2, "io", () -> q.enter(false))).isZero();
    }

    private void awaitQueued(WaitQueueHead wq, int n) {
        long start = System.nanoTime();
        while (kernel.runOn(3, "observer", () -> wq.entries().size()) < n) {
            if (System.nanoTime() - start > BOUND_NANOS) {
                throw new AssertionError(wq.name() + " never held " + n + " waiters; oopses " + kernel.oopses());
            }
            Thread.yield();
        }
    }

    private static void join(Thread t) throws InterruptedException {
        t.join(BOUND_NANOS / 1_000_000);
        if (t.isAlive()) {
            throw new AssertionError(t.getName() + " still runs after the bound");
        }
    }
}
