package dev.mybrd.sbitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.sched.WaitQueueEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The wake-up designs, one free or one batch at a time; the races themselves are the catalog's checks. */
class SbitmapQueueTest {
    private final Kernel kernel = new Kernel(2);

    /** A queued waiter whose wake function unlinks it and counts the wake-up, with an action inside. */
    private static final class Waiter {
        final AtomicInteger woken = new AtomicInteger();
        final SbqWait wait;

        Waiter(SbitmapQueue sbq, SbqWaitState ws, Runnable onWake) {
            wait = new SbqWait(WaitQueueEntry.initWaitqueueFuncEntry((k, e, mode) -> {
                ws.waitQueue().removeWaitQueueLocked(e);
                woken.incrementAndGet();
                onWake.run();
                return true;
            }));
            sbq.queueWaiter(ws, wait);
        }
    }

    private SbitmapQueue fullQueue(int depth, SbitmapQueue.WakeUp v) {
        SbitmapQueue sbq = new SbitmapQueue(kernel, depth, Sbitmap.DeferredClear.LOCKLESS, v);
        kernel.runOn(0, "fill", () -> {
            for (int i = 0; i < depth; i++) {
                assertThat(sbq.get()).isNotNegative();
            }
        });
        return sbq;
    }

    @Test
    void wakeBatchIsAnEighthOfTheDepthClampedToOneToEight() {
        assertThat(SbitmapQueue.calcWakeBatch(2, Sbitmap.calculateShift(2))).isEqualTo(1);
        assertThat(SbitmapQueue.calcWakeBatch(16, Sbitmap.calculateShift(16))).isEqualTo(2);
        assertThat(SbitmapQueue.calcWakeBatch(32, Sbitmap.calculateShift(32))).isEqualTo(4);
        assertThat(SbitmapQueue.calcWakeBatch(1024, Sbitmap.calculateShift(1024))).isEqualTo(8);
        SbitmapQueue sbq = new SbitmapQueue(kernel, 16, Sbitmap.DeferredClear.LOCKLESS, SbitmapQueue.WakeUp.WAKE_FIRST);
        assertThat(sbq.waitStates()).allMatch(ws -> ws.waitCnt() == 2);
    }

    @ParameterizedTest
    @EnumSource(SbitmapQueue.WakeUp.class)
    void wakeBatchFreesWakeAWaiterAndTheNextBatchGoesToTheNextQueue(SbitmapQueue.WakeUp v) {
        SbitmapQueue sbq = fullQueue(16, v); // wake_batch 2
        List<Waiter> waiters = new ArrayList<>();
        kernel.runOn(0, "io", () -> {
            waiters.add(new Waiter(sbq, sbq.ws(0), () -> { }));
            waiters.add(new Waiter(sbq, sbq.ws(1), () -> { }));
            sbq.clear(0);
            assertThat(waiters.get(0).woken.get()).as("one free of a batch of 2").isZero();
            sbq.clear(1);
            assertThat(waiters.get(0).woken.get()).isEqualTo(1);
            assertThat(waiters.get(1).woken.get()).isZero();
            sbq.clear(2);
            sbq.clear(3);
        });
        assertThat(waiters.get(1).woken.get()).isEqualTo(1);
        assertThat(sbq.wsActive()).isEqualTo(2); // counted until their own finish_wait, which these entries skip
    }

    @ParameterizedTest
    @EnumSource(SbitmapQueue.WakeUp.class)
    void freesWithNoWaiterWakeNoOneAndChangeNoCount(SbitmapQueue.WakeUp v) {
        SbitmapQueue sbq = fullQueue(16, v);
        kernel.runOn(0, "io", () -> {
            sbq.clear(5);
            sbq.clearBatch(6, 7, 12);
        });
        assertThat(sbq.waitStates()).allMatch(ws -> ws.waitCnt() == 2);
        assertThat(sbq.completionCnt()).isZero();
        assertThat(sbq.sbitmap().weight()).isEqualTo(12);
    }

    @Test
    void kr05OnlyTheBatchedCountWakesOnABatchedCompletion() {
        for (SbitmapQueue.WakeUp v : SbitmapQueue.WakeUp.values()) {
            SbitmapQueue sbq = fullQueue(16, v);
            Waiter[] w = new Waiter[1];
            kernel.runOn(0, "io", () -> {
                w[0] = new Waiter(sbq, sbq.ws(0), () -> { });
                sbq.clearBatch(0, 1);
            });
            boolean countsOne = v == SbitmapQueue.WakeUp.CMPXCHG_RESET || v == SbitmapQueue.WakeUp.WAKE_FIRST;
            assertThat(w[0].woken.get()).as(v.toString()).isEqualTo(countsOne ? 0 : 1);
        }
    }

    @Test
    void kr06AFreeInAnInterruptThatFindsTheCountAtZeroLocksUpTheBatchedDesign() {
        for (SbitmapQueue.WakeUp v : List.of(SbitmapQueue.WakeUp.BATCHED, SbitmapQueue.WakeUp.SKIP_ZERO_CNT,
                SbitmapQueue.WakeUp.COUNTERS)) {
            Kernel k = new Kernel(1);
            SbitmapQueue sbq = new SbitmapQueue(k, 2, Sbitmap.DeferredClear.LOCKLESS, v);
            k.openSoftirq(Softirq.BLOCK, kk -> sbq.clear(1));
            Waiter[] w = new Waiter[2];
            Runnable run = () -> k.runOn(0, "io", () -> {
                sbq.get();
                sbq.get();
                w[0] = new Waiter(sbq, sbq.ws(0), () -> k.raiseIrq("disk", () -> k.raiseSoftirqIrqoff(Softirq.BLOCK)));
                w[1] = new Waiter(sbq, sbq.ws(0), () -> { });
                sbq.clear(0);
            });
            if (v == SbitmapQueue.WakeUp.BATCHED) {
                assertThatThrownBy(run::run).isInstanceOf(KernelBug.class).hasMessageContaining("hard LOCKUP")
                        .hasMessageContaining("ws[0] wait_cnt=0");
            } else {
                run.run();
                assertThat(w[1].woken.get()).as(v.toString()).isEqualTo(v == SbitmapQueue.WakeUp.COUNTERS ? 1 : 0);
            }
            assertThat(w[0].woken.get()).isEqualTo(1);
        }
    }

    @Test
    void countersClaimEachBatchOnce() {
        SbitmapQueue sbq = fullQueue(16, SbitmapQueue.WakeUp.COUNTERS);
        kernel.runOn(0, "io", () -> {
            new Waiter(sbq, sbq.ws(3), () -> { });
            sbq.clearBatch(0, 1, 2);
        });
        assertThat(sbq.completionCnt()).isEqualTo(3);
        assertThat(sbq.wakeupCnt()).isEqualTo(2);
        assertThat(sbq.wakeIndex()).isEqualTo(4); // advanced past the queue that woke someone
    }

    @Test
    void badTagsAreRefusedBeforeAnythingChanges() {
        SbitmapQueue sbq = fullQueue(4, SbitmapQueue.WakeUp.COUNTERS);
        kernel.runOn(0, "io", () -> {
            assertThatThrownBy(() -> sbq.clear(4)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sbq.clearBatch(1, 9)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sbq.clearBatch()).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(sbq.sbitmap().weight()).isEqualTo(4);
        assertThatThrownBy(() -> sbq.ws(8)).isInstanceOf(IllegalArgumentException.class);
    }
}
