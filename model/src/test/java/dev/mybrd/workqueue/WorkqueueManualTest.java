package dev.mybrd.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Coalescing, max_active, delayed work, cancel, drain/destroy and bad input, with manual workers:
 * the test decides when work runs, so every step is deterministic.
 */
class WorkqueueManualTest {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = Workqueues.start(kernel, Workqueues.Config.manual(2));
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void shutdown() {
        wqs.shutdown();
        assertThat(kernel.oopses()).isEmpty();
    }

    private WorkStruct logging(String name) {
        return new WorkStruct(name, w -> log.add(w.name()));
    }

    private void runPool(int cpu) {
        kernel.runOn(cpu, "worker", () -> wqs.pool(cpu, false).manualWorker(0).processWorklist());
    }

    @Test
    void queueWorkCoalescesWhilePendingAndReturnsTrueAgainOnceItRan() {
        WorkStruct w = logging("w");
        Workqueue wq = wqs.systemWq();
        assertThat(kernel.runOn(0, "p", () -> wq.queueWork(w))).isTrue();
        assertThat(kernel.runOn(1, "p", () -> wq.queueWork(w))).as("still pending: covered").isFalse();
        assertThat(w.workPending()).isTrue();
        assertThat(w.isQueued()).isTrue();
        runPool(0);
        assertThat(log).containsExactly("w");
        assertThat(w.workPending()).isFalse();
        assertThat(kernel.runOn(1, "p", () -> wq.queueWork(w))).isTrue();
        runPool(1);
        assertThat(log).containsExactly("w", "w");
    }

    @Test
    void maxActiveHoldsBackItemsOnDelayedWorksAndActivatesThemInOrder() {
        Workqueue wq = kernel.runOn(0, "insmod", () -> wqs.allocWorkqueue("one", 0, 1));
        WorkStruct a = logging("a");
        WorkStruct b = logging("b");
        WorkStruct c = logging("c");
        kernel.runOn(0, "p", () -> {
            wq.queueWorkOn(0, a);
            wq.queueWorkOn(0, b);
            wq.queueWorkOn(0, c);
        });
        assertThat(wq.nrActive(0)).isEqualTo(1);
        assertThat(wq.nrDelayed(0)).isEqualTo(2);
        assertThat(b.data() & WorkStruct.WORK_STRUCT_DELAYED).isNotZero();
        runPool(0);
        assertThat(log).containsExactly("a", "b", "c");
        assertThat(wq.nrActive(0)).isZero();
        assertThat(wq.nrDelayed(0)).isZero();
    }

    @Test
    void maxActiveDefaultsTo256AndIsClampedWithTheKernelsWarning() {
        kernel.runOn(0, "insmod", () -> {
            assertThat(wqs.allocWorkqueue("dfl", 0, 0).maxActive()).isEqualTo(256);
            assertThat(wqs.allocWorkqueue("big", 0, 10_000).maxActive()).isEqualTo(512);
            assertThat(wqs.allocWorkqueue("neg", 0, -3).maxActive()).isEqualTo(1);
        });
        assertThat(kernel.dmesg()).contains("workqueue: max_active 10000 requested for big is out of range, clamping between 1 and 512");
    }

    @Test
    void delayedWorkIsQueuedWhenItsTimerFiresOnItsCpu() {
        DelayedWork dw = new DelayedWork("later", w -> log.add("later"));
        Workqueue wq = wqs.systemWq();
        assertThat(kernel.runOn(1, "p", () -> wq.queueDelayedWorkOn(1, dw, 3))).isTrue();
        assertThat(kernel.runOn(0, "p", () -> wq.queueDelayedWorkOn(1, dw, 3))).as("pending while armed").isFalse();
        assertThat(wqs.timers().timerPending(dw.timer())).isTrue();
        kernel.runOn(0, "tick", () -> wqs.timers().tick(5));
        assertThat(dw.isQueued()).as("CPU0's tick runs CPU0's timers only").isFalse();
        kernel.runOn(1, "tick", () -> wqs.timers().tick(0));
        assertThat(dw.isQueued()).isTrue();
        assertThat(wqs.timers().timerPending(dw.timer())).isFalse();
        runPool(1);
        assertThat(log).containsExactly("later");
    }

    @Test
    void delayedWorkFiresNoEarlierThanItsExpiry() {
        DelayedWork dw = new DelayedWork("later", w -> log.add("later"));
        kernel.runOn(0, "p", () -> wqs.systemWq().queueDelayedWork(dw, 3));
        kernel.runOn(0, "tick", () -> wqs.timers().tick(2));
        assertThat(dw.isQueued()).isFalse();
        kernel.runOn(0, "tick", () -> wqs.timers().tick(1));
        assertThat(dw.isQueued()).isTrue();
        assertThat(dw.timer().expires()).isEqualTo(3);
        runPool(0);
        assertThat(log).containsExactly("later");
    }

    @Test
    void aZeroDelayQueuesAtOnce() {
        DelayedWork dw = new DelayedWork("now", w -> log.add("now"));
        kernel.runOn(0, "p", () -> wqs.systemWq().queueDelayedWork(dw, 0));
        assertThat(dw.isQueued()).isTrue();
        assertThat(wqs.timers().timerPending(dw.timer())).isFalse();
        runPool(0);
    }

    @Test
    void cancelWorkSyncDequeuesAPendingWorkSoItNeverRuns() {
        WorkStruct w = logging("w");
        kernel.runOn(0, "p", () -> wqs.systemWq().queueWork(w));
        assertThat(kernel.runOn(1, "rmmod", () -> wqs.cancelWorkSync(w))).isTrue();
        assertThat(w.workPending()).isFalse();
        assertThat(w.isQueued()).isFalse();
        assertThat(wqs.systemWq().nrActive(0)).isZero();
        runPool(0);
        assertThat(log).isEmpty();
        assertThat(kernel.runOn(1, "rmmod", () -> wqs.cancelWorkSync(w))).as("idle").isFalse();
        assertThat(kernel.runOn(0, "p", () -> wqs.systemWq().queueWork(w))).as("usable again").isTrue();
        runPool(0);
        assertThat(log).containsExactly("w");
    }

    @Test
    void cancelWorkSyncOfADelayedItemActivatesTheNextOne() {
        Workqueue wq = kernel.runOn(0, "insmod", () -> wqs.allocWorkqueue("one", 0, 1));
        WorkStruct a = logging("a");
        WorkStruct b = logging("b");
        WorkStruct c = logging("c");
        kernel.runOn(0, "p", () -> {
            wq.queueWorkOn(0, a);
            wq.queueWorkOn(0, b);
            wq.queueWorkOn(0, c);
        });
        assertThat(kernel.runOn(1, "p", () -> wqs.cancelWorkSync(b))).isTrue();
        runPool(0);
        assertThat(log).containsExactly("a", "c");
        assertThat(wq.nrActive(0)).isZero();
    }

    @Test
    void cancelDelayedWorkSyncDisarmsTheTimer() {
        DelayedWork dw = new DelayedWork("later", w -> log.add("later"));
        kernel.runOn(0, "p", () -> wqs.systemWq().queueDelayedWork(dw, 2));
        assertThat(kernel.runOn(0, "rmmod", () -> wqs.cancelDelayedWorkSync(dw))).isTrue();
        assertThat(wqs.timers().timerPending(dw.timer())).isFalse();
        assertThat(dw.workPending()).isFalse();
        kernel.runOn(0, "tick", () -> wqs.timers().tick(5));
        runPool(0);
        assertThat(log).isEmpty();
    }

    @Test
    void destroyWorkqueueDrainsItThenRefusesFurtherQueueing() throws Exception {
        Workqueue wq = kernel.runOn(0, "insmod", () -> wqs.allocWorkqueue("mydrv", 0, 0));
        WorkStruct w = logging("w");
        kernel.runOn(0, "p", () -> wq.queueWork(w));
        Thread destroyer = new Thread(() -> kernel.runOn(1, "rmmod", () -> wqs.destroyWorkqueue(wq)));
        destroyer.start();
        Await.until("the destroyer drains", () -> (wq.flags() & Workqueue.WQ_DRAINING) != 0);
        WorkStruct outsider = logging("outsider");
        kernel.runOn(0, "p", () -> wq.queueWork(outsider));
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("queued on draining workqueue mydrv"));
        runPool(0);
        destroyer.join(20_000);
        assertThat(destroyer.isAlive()).isFalse();
        assertThat(wq.destroyed()).isTrue();
        assertThat(log).containsExactly("w");
        assertThatThrownBy(() -> kernel.runOn(0, "p", () -> wq.queueWork(logging("late"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("destroyed workqueue mydrv");
        assertThatThrownBy(() -> kernel.runOn(0, "p", () -> wqs.destroyWorkqueue(wq)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void chainedWorkMayQueueOnADrainingWorkqueue() throws Exception {
        Workqueue wq = kernel.runOn(0, "insmod", () -> wqs.allocWorkqueue("chain", 0, 0));
        AtomicInteger hops = new AtomicInteger();
        WorkStruct[] self = new WorkStruct[1];
        self[0] = new WorkStruct("hop", w -> {
            if (hops.incrementAndGet() < 3) {
                wq.queueWork(self[0]);
            }
        });
        kernel.runOn(0, "p", () -> wq.queueWork(self[0]));
        Thread drainer = new Thread(() -> kernel.runOn(1, "drainer", () -> wqs.drainWorkqueue(wq)));
        drainer.start();
        Await.until("the drainer drains", () -> (wq.flags() & Workqueue.WQ_DRAINING) != 0);
        runPool(0);
        drainer.join(20_000);
        assertThat(drainer.isAlive()).isFalse();
        assertThat(hops).hasValue(3);
        assertThat(wq.flags() & Workqueue.WQ_DRAINING).isZero();
    }

    @Test
    void badInputIsRefusedWithoutTouchingTheWork() {
        WorkStruct w = logging("w");
        Workqueue wq = wqs.systemWq();
        kernel.runOn(0, "p", () -> {
            assertThatThrownBy(() -> wq.queueWorkOn(7, w)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no CPU7");
            assertThatThrownBy(() -> wq.queueWorkOn(-1, w)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.queueWork(null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.queueDelayedWork(new DelayedWork("d", x -> { }), -1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wqs.allocWorkqueue("u", Workqueue.WQ_UNBOUND, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WQ_UNBOUND");
            assertThatThrownBy(() -> wqs.allocWorkqueue("x", 1 << 12, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wqs.destroyWorkqueue(wqs.systemWq())).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(w.workPending()).isFalse();
        assertThat(w.isQueued()).isFalse();
        assertThatThrownBy(() -> new WorkStruct("f", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> wq.queueWork(w)).as("kernel code runs in a task")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void queueingAfterShutdownIsRefused() {
        wqs.shutdown();
        WorkStruct w = logging("late");
        assertThatThrownBy(() -> kernel.runOn(0, "p", () -> wqs.systemWq().queueWork(w)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
        assertThat(w.workPending()).isFalse();
    }

    @Test
    void aWorkItemBelongsToOneMachine() {
        Kernel other = new Kernel(1);
        Workqueues otherWqs = Workqueues.start(other, Workqueues.Config.manual(1));
        WorkStruct w = logging("w");
        kernel.runOn(0, "p", () -> wqs.systemWq().queueWork(w));
        assertThatThrownBy(() -> other.runOn(0, "p", () -> otherWqs.systemWq().queueWork(w)))
                .isInstanceOf(IllegalArgumentException.class);
        otherWqs.shutdown();
        runPool(0);
    }

    @Test
    void aManualWorkerIsDrivenOnlyByItsCallerAndAKworkerOnlyByItsThread() {
        assertThatThrownBy(() -> wqs.pool(0, false).manualWorker(2)).isInstanceOf(IllegalArgumentException.class);
        kernel.runOn(0, "atomic", () -> {
            kernel.preemptDisable();
            try {
                assertThatThrownBy(() -> wqs.pool(0, false).manualWorker(0).processWorklist())
                        .isInstanceOf(dev.mybrd.kernel.AtomicSleepBug.class);
            } finally {
                kernel.preemptEnable();
            }
        });
    }

    @Test
    void aBarrierIsLinkedBehindAQueuedTargetAndMovesWithIt() {
        WorkStruct target = logging("target");
        WorkStruct other = logging("other");
        kernel.runOn(0, "p", () -> {
            wqs.systemWq().queueWorkOn(0, target);
            wqs.systemWq().queueWorkOn(0, other);
        });
        Thread flusher = new Thread(() -> kernel.runOn(1, "flusher", () -> wqs.flushWork(target)));
        flusher.start();
        Await.until("the barrier is queued", () -> wqs.pool(0, false).worklist.size() == 3);
        List<WorkStruct> list = wqs.pool(0, false).worklist.snapshot();
        assertThat(list.get(0)).isSameAs(target);
        assertThat(list.get(1).name()).isEqualTo("wq_barrier_func(target)");
        assertThat(list.get(2)).isSameAs(other);
        assertThat(target.data() & WorkStruct.WORK_STRUCT_LINKED).isNotZero();
        runPool(0);
        WorkqueueTest.join(flusher);
        assertThat(log).containsExactly("target", "other");
    }

    @Test
    void theListsReportCorruptionInsteadOfCorruptingThemselves() {
        WorkList a = new WorkList("a");
        WorkList b = new WorkList("b");
        WorkStruct w = logging("w");
        a.addTail(w);
        assertThatThrownBy(() -> b.addTail(w)).isInstanceOf(KernelBug.class).hasMessageContaining("list_add corruption");
        assertThatThrownBy(() -> b.remove(w)).isInstanceOf(KernelBug.class);
        assertThat(a.snapshot()).containsExactly(w);
    }
}
