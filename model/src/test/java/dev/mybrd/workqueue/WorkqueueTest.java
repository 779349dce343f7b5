package dev.mybrd.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.HungTaskBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** queue_work, flush_work, non-reentrancy and shutdown on real kworkers. */
class WorkqueueTest {
    private final Kernel kernel = new Kernel(2);
    private Workqueues wqs;

    private Workqueues start(Workqueues.Config config) {
        kernel.setHungTaskTimeout(TimeUnit.SECONDS.toNanos(10));
        wqs = Workqueues.start(kernel, config);
        return wqs;
    }

    @AfterEach
    void shutdown() {
        if (wqs != null) {
            wqs.shutdown();
        }
        assertThat(kernel.oopses()).isEmpty();
    }

    @Test
    void startCreatesIdleKworkersPerCpuAndPriority() {
        start(Workqueues.Config.defaults());
        for (int cpu = 0; cpu < 2; cpu++) {
            for (boolean h : new boolean[] {false, true}) {
                WorkerPool pool = wqs.pool(cpu, h);
                assertThat(pool.nrWorkers()).isEqualTo(2);
                assertThat(pool.nrIdle()).isEqualTo(2);
            }
        }
        assertThat(wqs.pool(1, true).workers).extracting(Worker::comm).containsExactly("kworker/1:0H", "kworker/1:1H");
    }

    @Test
    void aQueuedWorkRunsOnAKworkerAndFlushWaitsForIt() {
        start(Workqueues.Config.defaults());
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<String> ranOn = new AtomicReference<>();
        WorkStruct work = new WorkStruct("count", w -> {
            runs.incrementAndGet();
            ranOn.set(kernel.current().comm());
        });
        assertThat(kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work))).isTrue();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(runs).as("flush_work returns after the execution, whether it had to wait or not").hasValue(1);
        assertThat(ranOn.get()).startsWith("kworker/0:");
        assertThat(work.workPending()).isFalse();
        assertThat(kernel.runOn(1, "flusher", () -> wqs.flushWork(work))).as("idle: nothing to wait for").isFalse();
    }

    @Test
    void aQueueWhileTheFunctionRunsQueuesItAgainAndFlushWaitsForBoth() {
        start(Workqueues.Config.defaults());
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        gated.awaitStarted();
        assertThat(work.workPending()).as("PENDING is cleared before the function runs").isFalse();
        assertThat(kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work))).isTrue();
        assertThat(kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work))).as("coalesced").isFalse();
        gated.open();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(gated.executions).hasValue(2);
        assertThat(gated.maxConcurrent).hasValue(1);
    }

    @Test
    void seededClearPendingAfterFuncLosesTheQueueThatArrivesDuringTheFunction() {
        start(Workqueues.Config.defaults().withBug(WqBug.CLEAR_PENDING_AFTER_FUNC));
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        gated.awaitStarted();
        assertThat(kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work))).isFalse();
        gated.open();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(gated.executions).as("the second request was never executed").hasValue(1);
    }

    @Test
    void aWorkRequeuedFromAnotherCpuWhileRunningWaitsForTheRunningExecution() {
        start(Workqueues.Config.defaults());
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWorkOn(0, work));
        gated.awaitStarted();
        assertThat(kernel.runOn(1, "producer", () -> wqs.systemWq().queueWorkOn(1, work))).isTrue();
        assertThat(kernel.runOn(1, "probe", () -> wqs.workBusy(work)))
                .isEqualTo(Workqueues.WORK_BUSY_PENDING | Workqueues.WORK_BUSY_RUNNING);
        gated.open();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(gated.executions).hasValue(2);
        assertThat(gated.maxConcurrent).as("never beside itself").hasValue(1);
        assertThat(gated.workers).allMatch(c -> c.startsWith("kworker/0:"));
    }

    @Test
    void seededReentrantQueueRunsTheWorkOnTwoCpusAtOnce() {
        start(Workqueues.Config.defaults().withBug(WqBug.REENTRANT_QUEUE));
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWorkOn(0, work));
        gated.awaitStarted();
        kernel.runOn(1, "producer", () -> wqs.systemWq().queueWorkOn(1, work));
        Await.until("the second execution on CPU1 finished", () -> gated.executions.get() == 1);
        assertThat(gated.maxConcurrent).hasValue(2);
        gated.open();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
    }

    @Test
    void flushWaitsForAnExecutionInProgress() {
        start(Workqueues.Config.defaults());
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        gated.awaitStarted();
        AtomicReference<Task> flusher = new AtomicReference<>();
        AtomicInteger executionsAtReturn = new AtomicInteger(-1);
        Thread t = new Thread(() -> kernel.runOn(1, "flusher", () -> {
            flusher.set(kernel.current());
            wqs.flushWork(work);
            executionsAtReturn.set(gated.executions.get());
        }));
        t.start();
        Await.until("the flusher sleeps on its barrier", () -> asleep(flusher.get()));
        assertThat(executionsAtReturn).as("flush_work has not returned").hasValue(-1);
        gated.open();
        join(t);
        assertThat(executionsAtReturn).hasValue(1);
    }

    @Test
    void cancelWorkSyncWaitsForAnExecutionInProgressAndASecondCancelerWaitsForTheFirst() {
        start(Workqueues.Config.defaults());
        Gated gated = new Gated(kernel);
        WorkStruct work = new WorkStruct("gated", gated::run);
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        gated.awaitStarted();
        AtomicReference<Task> first = new AtomicReference<>();
        AtomicReference<Task> second = new AtomicReference<>();
        AtomicInteger firstSaw = new AtomicInteger(-1);
        AtomicInteger secondSaw = new AtomicInteger(-1);
        Thread a = new Thread(() -> kernel.runOn(1, "cancel-a", () -> {
            first.set(kernel.current());
            wqs.cancelWorkSync(work);
            firstSaw.set(gated.executions.get());
        }));
        a.start();
        Await.until("the first canceler waits for the execution", () -> asleep(first.get()));
        Thread b = new Thread(() -> kernel.runOn(0, "cancel-b", () -> {
            second.set(kernel.current());
            wqs.cancelWorkSync(work);
            secondSaw.set(gated.executions.get());
        }));
        b.start();
        Await.until("the second canceler waits on cancel_waitq", () -> asleep(second.get())
                && second.get().blockedOn().contains("by another task"));
        assertThat(firstSaw).hasValue(-1);
        assertThat(secondSaw).hasValue(-1);
        gated.open();
        join(a);
        join(b);
        assertThat(firstSaw).hasValue(1);
        assertThat(secondSaw).hasValue(1);
        assertThat(work.workPending()).isFalse();
        assertThat(kernel.runOn(1, "producer", () -> wqs.systemWq().queueWork(work))).as("usable again").isTrue();
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
    }

    @Test
    void flushingAWorkFromItsOwnExecutionIsReportedNotAHang() {
        start(Workqueues.Config.defaults());
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicReference<WorkStruct> self = new AtomicReference<>();
        WorkStruct work = new WorkStruct("selfflush", w -> {
            try {
                wqs.flushWork(self.get());
            } catch (KernelBug e) {
                seen.set(e);
            }
        });
        self.set(work);
        kernel.runOn(0, "producer", () -> wqs.scheduleWork(work));
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(seen.get()).hasMessageContaining("possible recursive locking detected");
    }

    @Test
    void flushMaySleepSoItIsABugInAtomicContext() {
        start(Workqueues.Config.manual(1));
        WorkStruct work = new WorkStruct("w", w -> { });
        kernel.runOn(0, "atomic", () -> {
            kernel.preemptDisable();
            try {
                assertThatThrownBy(() -> wqs.flushWork(work)).isInstanceOf(AtomicSleepBug.class);
            } finally {
                kernel.preemptEnable();
            }
        });
    }

    @Test
    void aFlushThatNeverEndsIsReportedAsAHungTaskNamingTheWork() {
        start(Workqueues.Config.defaults());
        AtomicBoolean release = new AtomicBoolean();
        AtomicBoolean started = new AtomicBoolean();
        WorkStruct work = new WorkStruct("stuck", w -> {
            started.set(true);
            while (!release.get()) {
                Thread.onSpinWait(); // busy, not asleep: only the flusher's sleep is bounded here
            }
        });
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        Await.until("the work runs", started::get);
        kernel.setHungTaskTimeout(TimeUnit.MILLISECONDS.toNanos(300));
        assertThatThrownBy(() -> kernel.runOn(1, "flusher", () -> wqs.flushWork(work)))
                .isInstanceOf(HungTaskBug.class).hasMessageContaining("waiting for flush_work(stuck)");
        kernel.setHungTaskTimeout(TimeUnit.SECONDS.toNanos(10));
        release.set(true);
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
    }

    @Test
    void workQueuedFromHardirqContextRuns() {
        start(Workqueues.Config.defaults());
        AtomicInteger runs = new AtomicInteger();
        WorkStruct work = new WorkStruct("bottom-half", w -> runs.incrementAndGet());
        kernel.runOn(1, "irq", () -> kernel.hardirq("mybrd", () -> wqs.systemWq().queueWork(work)));
        kernel.runOn(0, "flusher", () -> wqs.flushWork(work));
        assertThat(runs).hasValue(1);
    }

    @Test
    void highpriWorkRunsOnTheHighPriorityPool() {
        start(Workqueues.Config.defaults());
        Workqueue kblockd = wqs.allocWorkqueue("kblockd", Workqueue.WQ_MEM_RECLAIM | Workqueue.WQ_HIGHPRI, 0);
        AtomicReference<String> comm = new AtomicReference<>();
        WorkStruct work = new WorkStruct("run_work", w -> comm.set(kernel.current().comm()));
        kernel.runOn(1, "submitter", () -> kblockd.queueWork(work));
        kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
        assertThat(comm.get()).matches("kworker/1:\\dH");
        assertThat(kblockd.maxActive()).isEqualTo(256);
        kernel.runOn(0, "rmmod", () -> wqs.destroyWorkqueue(kblockd));
    }

    @Test
    void shutdownStopsEveryKworkerAndIsIdempotent() {
        start(Workqueues.Config.defaults());
        List<Thread> threads = new CopyOnWriteArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            for (boolean h : new boolean[] {false, true}) {
                for (Worker w : wqs.pool(cpu, h).workers) {
                    threads.add(w.thread);
                }
            }
        }
        wqs.shutdown();
        assertThat(threads).hasSize(8).noneMatch(Thread::isAlive);
        wqs.shutdown();
    }

    @Test
    void shutdownReportsWorkLeftQueued() {
        start(Workqueues.Config.manual(1));
        WorkStruct work = new WorkStruct("left", w -> { });
        kernel.runOn(0, "producer", () -> wqs.systemWq().queueWork(work));
        Workqueues w = wqs;
        wqs = null;
        assertThatThrownBy(w::shutdown).hasMessageContaining("still has queued [left]");
    }

    static boolean asleep(Task t) {
        return t != null && t.state() == Task.TASK_UNINTERRUPTIBLE && t.cpu() == null;
    }

    static void join(Thread t) {
        try {
            t.join(20_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
    }

    /** A work function whose first execution waits for the test to open a gate; counts executions and overlap. */
    static final class Gated {
        final AtomicInteger executions = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final List<String> workers = new CopyOnWriteArrayList<>();
        private final Kernel kernel;
        private final WqCompletion started;
        private final WqCompletion gate;
        private final AtomicBoolean first = new AtomicBoolean(true);

        Gated(Kernel kernel) {
            this.kernel = kernel;
            this.started = new WqCompletion(kernel, "started");
            this.gate = new WqCompletion(kernel, "gate");
        }

        void run(WorkStruct w) {
            int now = running.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            workers.add(kernel.current().comm());
            if (first.getAndSet(false)) {
                started.complete();
                gate.waitForCompletion("the test's gate");
            }
            executions.incrementAndGet();
            running.decrementAndGet();
        }

        void awaitStarted() {
            kernel.runOn(1, "test", () -> started.waitForCompletion("the first execution to start"));
        }

        void open() {
            kernel.runOn(1, "test", gate::complete);
        }
    }
}
