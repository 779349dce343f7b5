package dev.mybrd.lincheck.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueue;
import dev.mybrd.workqueue.Workqueues;
import dev.mybrd.workqueue.WorkerPool;
import dev.mybrd.workqueue.WqBug;
import dev.mybrd.workqueue.WqCompletion;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Deterministic scenarios on real kworkers (kernel threads that sleep and are woken), for the
 * promises that need a sleeping caller: {@code flush_work} (Q6) and a queue during an execution (Q3).
 * The first execution of the work function waits on a gate the scenario opens, so the race the
 * scenario is about is held open for as long as it takes: no timing is involved. Each scenario
 * returns null when the promise held and the violation otherwise.
 *
 * <p>While the gate is closed the scenario waits (bounded) until the machine has settled: either the
 * call under test returned, or its caller sleeps and every kworker but the gated one is idle with
 * nothing queued. In the correct model only the second can happen, and then nothing can change until
 * the gate opens; a flush that returns before is the violation.
 */
public final class KworkerScenarios {
    private static final long SETTLE_BOUND_NANOS = 20_000_000_000L;

    private KworkerScenarios() {
    }

    /**
     * Q6: the work runs (gated) on CPU0 and is queued again from CPU1 while it runs; a flush from
     * CPU1 must return only after both executions, the running one and the requeued one.
     */
    public static String flushWaitsForEarlierExecutions(WqBug bug) {
        Kernel kernel = new Kernel(2);
        kernel.setHungTaskTimeout(TimeUnit.SECONDS.toNanos(15));
        Workqueues wqs = Workqueues.start(kernel, config(bug));
        try {
            Probe probe = new Probe(kernel);
            WorkStruct work = new WorkStruct("gated", probe::run);
            Workqueue wq = wqs.systemWq();
            kernel.runOn(0, "producer", () -> wq.queueWorkOn(0, work));
            probe.awaitStarted();
            kernel.runOn(1, "producer", () -> wq.queueWorkOn(1, work));
            AtomicReference<Task> flusher = new AtomicReference<>();
            AtomicBoolean returned = new AtomicBoolean();
            AtomicInteger finishedAtReturn = new AtomicInteger(-1);
            Thread t = new Thread(() -> kernel.runOn(1, "flusher", () -> {
                flusher.set(kernel.current());
                wqs.flushWork(work);
                finishedAtReturn.set(probe.executions.get());
                returned.set(true);
            }), "flusher");
            t.start();
            String unsettled = settle(() -> returned.get() || (asleep(flusher.get()) && quiet(wqs)));
            String violation = unsettled;
            if (violation == null && returned.get()) {
                violation = "flush_work returned while the execution queued before it was still running ("
                        + finishedAtReturn.get() + " of 2 executions finished)";
            }
            probe.open();
            join(t);
            if (violation == null && finishedAtReturn.get() != 2) {
                violation = "flush_work returned after " + finishedAtReturn.get() + " of the 2 executions queued before it";
            }
            if (probe.maxConcurrent.get() > 1) {
                violation = (violation == null ? "" : violation + "; ") + "the work ran concurrently with itself (Q4)";
            }
            return violation;
        } finally {
            wqs.shutdown();
        }
    }

    /**
     * Q3: the work function takes the posted events and then waits (gated); an event posted from
     * CPU1 meanwhile, with {@code queue_work}, must be processed by a later execution.
     */
    public static String requeueDuringExecution(WqBug bug) {
        Kernel kernel = new Kernel(2);
        kernel.setHungTaskTimeout(TimeUnit.SECONDS.toNanos(15));
        Workqueues wqs = Workqueues.start(kernel, config(bug));
        try {
            Probe probe = new Probe(kernel);
            WorkStruct work = new WorkStruct("consume_events", probe::run);
            Workqueue wq = wqs.systemWq();
            kernel.runOn(0, "producer", () -> {
                probe.post(1);
                wq.queueWorkOn(0, work);
            });
            probe.awaitStarted();
            boolean requeued = kernel.runOn(1, "producer", () -> {
                probe.post(2);
                return wq.queueWork(work);
            });
            probe.open();
            kernel.runOn(1, "flusher", () -> wqs.flushWork(work));
            if ((probe.processed.get() & 2) == 0) {
                return "the event posted during the execution was never processed: queue_work returned " + requeued
                        + ", executions " + probe.executions.get();
            }
            return null;
        } finally {
            wqs.shutdown();
        }
    }

    private static Workqueues.Config config(WqBug bug) {
        Workqueues.Config c = Workqueues.Config.defaults();
        return bug == null ? c : c.withBug(bug);
    }

    /** Every kworker but the gated one idle, and nothing on any worklist (racy snapshots, stable once settled). */
    private static boolean quiet(Workqueues wqs) {
        int busy = 0;
        for (int cpu = 0; cpu < 2; cpu++) {
            for (boolean h : new boolean[] {false, true}) {
                WorkerPool p = wqs.pool(cpu, h);
                if (!p.worklistEmpty()) {
                    return false;
                }
                busy += p.nrWorkers() - p.nrIdle();
            }
        }
        return busy == 1;
    }

    private static boolean asleep(Task t) {
        return t != null && t.state() == Task.TASK_UNINTERRUPTIBLE && t.cpu() == null;
    }

    private static String settle(BooleanSupplier settled) {
        long deadline = System.nanoTime() + SETTLE_BOUND_NANOS;
        while (!settled.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return "the scenario did not settle within " + SETTLE_BOUND_NANOS / 1_000_000 + " ms";
            }
            Thread.yield();
        }
        return null;
    }

    private static void join(Thread t) {
        try {
            t.join(SETTLE_BOUND_NANOS / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new IllegalStateException(t.getName() + " did not finish");
        }
    }

    /** The work function of both scenarios: takes posted events, gates its first execution, counts. */
    private static final class Probe {
        final AtomicInteger events = new AtomicInteger();
        final AtomicInteger processed = new AtomicInteger();
        final AtomicInteger executions = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        private final AtomicBoolean first = new AtomicBoolean(true);
        private final Kernel kernel;
        private final WqCompletion started;
        private final WqCompletion gate;

        Probe(Kernel kernel) {
            this.kernel = kernel;
            this.started = new WqCompletion(kernel, "started");
            this.gate = new WqCompletion(kernel, "gate");
        }

        void post(int bit) {
            events.getAndAccumulate(bit, (a, b) -> a | b);
        }

        void run(WorkStruct w) {
            maxConcurrent.accumulateAndGet(running.incrementAndGet(), Math::max);
            int got = events.getAndSet(0);
            processed.getAndAccumulate(got, (a, b) -> a | b);
            if (first.getAndSet(false)) {
                started.complete();
                gate.waitForCompletion("the scenario's gate");
            }
            executions.incrementAndGet();
            running.decrementAndGet();
        }

        void awaitStarted() {
            kernel.runOn(1, "scenario", () -> started.waitForCompletion("the first execution to start"));
        }

        void open() {
            kernel.runOn(1, "scenario", gate::complete);
        }
    }
}
