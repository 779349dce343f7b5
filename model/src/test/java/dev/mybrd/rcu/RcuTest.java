package dev.mybrd.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The RCU model: read side, grace periods, call_rcu, rcu_barrier, misuse reports, seeded bugs. */
class RcuTest {
    private final Kernel kernel = new Kernel(4);
    private final Rcu rcu = new Rcu(kernel);

    // ---- read side -----------------------------------------------------------------------------

    @Test
    void readSectionsNestAndDisablePreemption() {
        kernel.runOn(0, "reader", () -> {
            assertThat(rcu.readLockHeld()).isFalse();
            rcu.readLock();
            rcu.readLock();
            assertThat(rcu.readLockHeld()).isTrue();
            assertThat(kernel.thisCpu().inAtomic()).isTrue();
            rcu.readUnlock();
            assertThat(rcu.readLockHeld()).isTrue();
            rcu.readUnlock();
            assertThat(rcu.readLockHeld()).isFalse();
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    @Test
    void anUnbalancedUnlockIsABugAndChangesNothing() {
        kernel.runOn(0, "reader", () -> {
            assertThatThrownBy(rcu::readUnlock).isInstanceOf(KernelBug.class)
                    .hasMessageContaining("rcu_read_unlock() outside a read-side section");
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    // ---- synchronize_rcu -----------------------------------------------------------------------

    @Test
    void synchronizeWithoutReadersReturnsAfterAGracePeriod() {
        kernel.runOn(0, "updater", rcu::synchronizeRcu);
        assertThat(rcu.completed()).isEqualTo(1);
        assertThat(rcu.gpnum()).isEqualTo(1);
    }

    @Test
    void synchronizeWaitsForAReaderThatBeganBeforeIt() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicBoolean returned = new AtomicBoolean();
        AtomicReference<Task> updater = new AtomicReference<>();
        Thread reader = new Thread(() -> kernel.runOn(1, "reader", () -> {
            rcu.readLock();
            inside.countDown();
            await(leave);
            // The updater must still be asleep: this section began before its grace period.
            assertThat(returned).isFalse();
            rcu.readUnlock();
        }));
        reader.start();
        await(inside);
        Thread sync = new Thread(() -> kernel.runOn(0, "updater", () -> {
            updater.set(kernel.current());
            rcu.synchronizeRcu();
            returned.set(true);
        }));
        sync.start();
        // Wait (bounded) until the updater sleeps in synchronize_rcu, with CPU1 still owing a QS.
        spinUntil(() -> updater.get() != null && updater.get().state() == Task.TASK_UNINTERRUPTIBLE
                && kernel.cpu(0).owner() == null);
        assertThat(updater.get().blockedOn()).contains("synchronize_rcu(): grace period 1");
        assertThat(rcu.describe()).contains("->qsmask=0x2");
        assertThat(returned).isFalse();
        leave.countDown();
        reader.join(10_000);
        sync.join(10_000);
        assertThat(returned).isTrue();
        assertThat(rcu.completed()).isEqualTo(1);
    }

    @Test
    void aReaderThatBeginsAfterTheGracePeriodStartedIsNotWaitedFor() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicReference<Task> updater = new AtomicReference<>();
        AtomicBoolean returned = new AtomicBoolean();
        Thread sync = new Thread(() -> kernel.runOn(0, "updater", () -> {
            updater.set(kernel.current());
            rcu.synchronizeRcu();
            returned.set(true);
        }));
        // A task holds CPU2 so that the grace period has a CPU to wait for.
        CountDownLatch holderIn = new CountDownLatch(1);
        CountDownLatch holderOut = new CountDownLatch(1);
        Thread holder = new Thread(() -> kernel.runOn(2, "holder", () -> {
            holderIn.countDown();
            await(holderOut);
        }));
        holder.start();
        await(holderIn);
        sync.start();
        spinUntil(() -> updater.get() != null && updater.get().state() == Task.TASK_UNINTERRUPTIBLE
                && kernel.cpu(0).owner() == null);
        Thread reader = new Thread(() -> kernel.runOn(1, "late-reader", () -> {
            rcu.readLock();
            inside.countDown();
            await(leave);
            rcu.readUnlock();
        }));
        reader.start();
        await(inside);
        holderOut.countDown();
        holder.join(10_000);
        sync.join(10_000);
        assertThat(returned).as("synchronize_rcu need not wait for a reader that began after it (I5)").isTrue();
        leave.countDown();
        reader.join(10_000);
    }

    @Test
    void synchronizeOnOneCpuIsItselfTheGracePeriod() {
        Kernel up = new Kernel(1);
        Rcu upRcu = new Rcu(up);
        up.runOn(0, "updater", upRcu::synchronizeRcu);
        assertThat(upRcu.completed()).isZero();
    }

    @Test
    void synchronizeInsideAReadSectionIsReportedBeforeItChangesAnything() {
        kernel.runOn(0, "updater", () -> {
            rcu.readLock();
            assertThatThrownBy(rcu::synchronizeRcu).isInstanceOf(SuspiciousRcuUsage.class)
                    .hasMessageContaining("Illegal synchronize_rcu() in RCU read-side critical section");
            rcu.readUnlock();
        });
        assertThat(rcu.gpnum()).isZero();
    }

    @Test
    void synchronizeWithASpinlockHeldIsASleepInAtomicContext() {
        SpinLock lock = new SpinLock(kernel, "updater_lock");
        kernel.runOn(0, "updater", () -> {
            lock.lock();
            assertThatThrownBy(rcu::synchronizeRcu).isInstanceOf(AtomicSleepBug.class)
                    .hasMessageContaining("synchronize_rcu()").hasMessageContaining("updater_lock");
            lock.unlock();
        });
    }

    @Test
    void blockingInsideAReadSectionIsReported() {
        kernel.runOn(0, "reader", () -> {
            rcu.readLock();
            assertThatThrownBy(kernel::schedule).isInstanceOf(AtomicSleepBug.class)
                    .hasMessageContaining("preempt_count=0x1");
            rcu.readUnlock();
            kernel.schedule();
        });
    }

    @Test
    void aLostGracePeriodBecomesAHungTaskReportNamingIt() {
        kernel.setHungTaskTimeout(200_000_000L);
        CountDownLatch holderIn = new CountDownLatch(1);
        CountDownLatch holderOut = new CountDownLatch(1);
        Thread holder = new Thread(() -> kernel.runOn(1, "spinner", () -> {
            holderIn.countDown();
            await(holderOut);
        }));
        holder.start();
        await(holderIn);
        try {
            // CPU1 never switches context while the updater waits: a CPU stall.
            kernel.runOn(0, "updater", () -> assertThatThrownBy(rcu::synchronizeRcu)
                    .isInstanceOf(dev.mybrd.kernel.HungTaskBug.class)
                    .hasMessageContaining("synchronize_rcu(): grace period 1")
                    .hasMessageContaining("->qsmask=0x3"));
        } finally {
            holderOut.countDown();
        }
    }

    // ---- call_rcu ------------------------------------------------------------------------------

    @Test
    void aCallbackRunsOnceInSoftirqContextAfterAGracePeriod() {
        List<String> runs = new CopyOnWriteArrayList<>();
        RcuHead head = new RcuHead();
        kernel.runOn(2, "updater", () -> {
            rcu.callRcu(head, h -> runs.add(kernel.thisCpu() + " " + kernel.thisCpu().context()));
            assertThat(head.queued()).isTrue();
            assertThat(rcu.qlen(2)).isEqualTo(1);
        });
        assertThat(runs).isEmpty();
        kernel.runOn(0, "barrier", rcu::rcuBarrier);
        assertThat(runs).containsExactly("CPU2 SOFTIRQ");
        assertThat(head.queued()).isFalse();
        assertThat(rcu.qlen(2)).isZero();
        kernel.runOn(0, "barrier", rcu::rcuBarrier);
        assertThat(runs).hasSize(1);
    }

    @Test
    void aCallbackWaitsForAReaderThatBeganBeforeCallRcu() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread reader = new Thread(() -> kernel.runOn(1, "reader", () -> {
            rcu.readLock();
            inside.countDown();
            await(leave);
            assertThat(runs).hasValue(0);
            rcu.readUnlock();
        }));
        reader.start();
        await(inside);
        RcuHead head = new RcuHead();
        kernel.runOn(0, "updater", () -> {
            rcu.callRcu(head, h -> runs.incrementAndGet());
            for (int i = 0; i < 5; i++) {
                kernel.schedule();
                rcu.schedulingClockTick();
            }
            assertThat(runs).as("the reader on CPU1 is still inside").hasValue(0);
        });
        leave.countDown();
        reader.join(10_000);
        kernel.runOn(0, "ticker", rcu::schedulingClockTick);
        assertThat(runs).hasValue(1);
    }

    @Test
    void manyCallbacksOnSeveralCpusEachRunExactlyOnce() {
        int rounds = 3;
        int perRound = 12;
        int[][] counts = new int[4][rounds * perRound];
        for (int round = 0; round < rounds; round++) {
            for (int cpu = 0; cpu < 4; cpu++) {
                int c = cpu;
                int base = round * perRound;
                kernel.runOn(cpu, "updater", () -> {
                    for (int i = base; i < base + perRound; i++) {
                        int idx = i;
                        rcu.callRcu(new RcuHead(), h -> counts[c][idx]++);
                    }
                });
            }
        }
        kernel.runOn(3, "barrier", rcu::rcuBarrier);
        for (int cpu = 0; cpu < 4; cpu++) {
            for (int i = 0; i < rounds * perRound; i++) {
                assertThat(counts[cpu][i]).as("CPU%d callback %d", cpu, i).isEqualTo(1);
            }
            assertThat(rcu.qlen(cpu)).isZero();
        }
    }

    @Test
    void moreCallbacksThanOneBatchAreAllInvokedInOrder() {
        List<Integer> order = new CopyOnWriteArrayList<>();
        kernel.runOn(0, "updater", () -> {
            for (int i = 0; i < 3 * RcuData.BLIMIT + 5; i++) {
                int n = i;
                rcu.callRcu(new RcuHead(), h -> order.add(n));
            }
        });
        kernel.runOn(1, "barrier", rcu::rcuBarrier);
        assertThat(order).hasSize(3 * RcuData.BLIMIT + 5).isSorted();
    }

    @Test
    void aCallbackThatSleepsIsASleepInSoftirqContext() {
        kernel.runOn(0, "updater", () -> rcu.callRcu(new RcuHead(), h -> kernel.mightSleep("kmalloc(GFP_KERNEL)")));
        assertThatThrownBy(() -> kernel.runOn(0, "barrier", rcu::rcuBarrier)).isInstanceOf(AtomicSleepBug.class)
                .hasMessageContaining("SOFTIRQ");
    }

    @Test
    void badCallRcuArgumentsAreRefusedWithoutStateChange() {
        RcuHead head = new RcuHead();
        kernel.runOn(0, "updater", () -> {
            assertThatThrownBy(() -> rcu.callRcu(null, h -> { })).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> rcu.callRcu(head, null)).isInstanceOf(IllegalArgumentException.class);
            assertThat(rcu.qlen(0)).isZero();
            rcu.callRcu(head, h -> { });
            assertThatThrownBy(() -> rcu.callRcu(head, h -> { })).isInstanceOf(KernelBug.class)
                    .hasMessageContaining("Leaked duplicate callback");
            assertThat(rcu.qlen(0)).isEqualTo(1);
        });
    }

    @Test
    void aKernelHasOneRcu() {
        Rcu second = new Rcu(kernel);
        kernel.runOn(0, "updater", rcu::synchronizeRcu);
        kernel.runOn(0, "updater", () -> assertThatThrownBy(second::synchronizeRcu)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("a kernel has one RCU"));
        assertThatThrownBy(() -> new Rcu(kernel, EnumSet.of(RcuBug.PLAIN_PUBLISH)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tickingOutsideAnInterruptIsRefused() {
        kernel.runOn(0, "task", () -> assertThatThrownBy(rcu::rcuCheckCallbacks)
                .isInstanceOf(IllegalStateException.class));
    }

    // ---- seeded bugs ---------------------------------------------------------------------------

    @Test
    void seededDoneSegmentNotSplicedInvokesACallbackTwice() {
        Rcu buggy = new Rcu(new Kernel(2), EnumSet.of(RcuBug.DONE_SEGMENT_NOT_SPLICED));
        Kernel k = buggy.kernel();
        RcuObject a = new RcuObject(1);
        RcuObject b = new RcuObject(2);
        k.runOn(0, "updater", () -> a.kfreeRcu(buggy));
        k.runOn(0, "updater", () -> b.kfreeRcu(buggy));
        assertThatThrownBy(() -> k.runOn(1, "barrier", buggy::rcuBarrier)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("double free");
    }

    @Test
    void synchronizeCalledDuringAGracePeriodWaitsForTheNextOne() throws Exception {
        assertThat(secondSynchronizeReturnsWhileALateReaderRuns(EnumSet.noneOf(RcuBug.class))).isFalse();
    }

    @Test
    void seededCallbackJoinsCurrentGpLetsSynchronizeReturnTooEarly() throws Exception {
        assertThat(secondSynchronizeReturnsWhileALateReaderRuns(EnumSet.of(RcuBug.CALLBACK_JOINS_CURRENT_GP)))
                .as("with the bug it returns while a reader that began before it still runs").isTrue();
    }

    /**
     * Grace period 1 is in progress (started by a first synchronize_rcu, kept open by a task on
     * CPU2); a reader begins on CPU1, which grace period 1 does not wait for; a second
     * synchronize_rcu starts on CPU3 and sleeps; then CPU2's task leaves. Returns whether the second
     * synchronize_rcu returned while the reader was still inside.
     */
    private static boolean secondSynchronizeReturnsWhileALateReaderRuns(EnumSet<RcuBug> bugs) throws Exception {
        Rcu r = new Rcu(new Kernel(4), bugs);
        Kernel k = r.kernel();
        CountDownLatch holderIn = new CountDownLatch(1);
        CountDownLatch holderOut = new CountDownLatch(1);
        Thread holder = new Thread(() -> k.runOn(2, "holder", () -> {
            holderIn.countDown();
            await(holderOut);
        }));
        holder.start();
        await(holderIn);
        AtomicReference<Task> first = new AtomicReference<>();
        Thread firstSync = new Thread(() -> k.runOn(0, "first", () -> {
            first.set(k.current());
            r.synchronizeRcu();
        }));
        firstSync.start();
        spinUntil(() -> asleep(first.get(), k, 0));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread reader = new Thread(() -> k.runOn(1, "reader", () -> {
            r.readLock();
            inside.countDown();
            await(leave);
            r.readUnlock();
        }));
        reader.start();
        await(inside);
        AtomicReference<Task> second = new AtomicReference<>();
        AtomicBoolean secondReturned = new AtomicBoolean();
        Thread secondSync = new Thread(() -> k.runOn(3, "second", () -> {
            second.set(k.current());
            r.synchronizeRcu();
            secondReturned.set(true);
        }));
        secondSync.start();
        spinUntil(() -> asleep(second.get(), k, 3));
        holderOut.countDown();
        holder.join(10_000);
        firstSync.join(10_000);
        // Grace period 1 has ended. Either the second caller was satisfied by it (the bug), or a
        // grace period 2 started that waits for the reader's CPU.
        spinUntil(() -> secondReturned.get() || (r.gpnum() == 2 && r.describe().contains("->qsmask=0x2")));
        boolean early = secondReturned.get();
        leave.countDown();
        reader.join(10_000);
        secondSync.join(10_000);
        assertThat(secondReturned).isTrue();
        return early;
    }

    private static boolean asleep(Task t, Kernel k, int cpu) {
        return t != null && t.state() == Task.TASK_UNINTERRUPTIBLE && k.cpu(cpu).owner() == null;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void spinUntil(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not reached within 10 s");
            }
            Thread.onSpinWait();
        }
    }
}
