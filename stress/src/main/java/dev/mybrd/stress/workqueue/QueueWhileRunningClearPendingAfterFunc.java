package dev.mybrd.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueues;
import dev.mybrd.workqueue.WqBug;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug CLEAR_PENDING_AFTER_FUNC: the worker keeps PENDING set while the function runs and
 * clears it afterwards (spec 3.14's home-grown "flag + queue"). A queue_work during the function
 * returns false, and the function has already read data: the update is never processed.
 *
 * Same actors and outcome specification as QueueWhileRunning (read it first); only the machine
 * differs. The lost update is still FORBIDDEN: this check is expected to observe it, which proves
 * that QueueWhileRunning would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t QueueWhileRunningClearPendingAfterFunc -m quick
 */
@JCStressTest
// Not gated (no @StressCheck): caught by only 3-10 samples in 200k-400k per quick run, too thin for CI.
// The deterministic checks seeded-clear-pending-after-func and seeded-kworker-clear-pending-after-func catch it.
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "queue_work won PENDING again; the new execution read the data.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Coalesced: the pending execution had not started and read the data.")
@Outcome(id = {"0, 0", "1, 0"}, expect = FORBIDDEN, desc = "The last execution ran without the data written before queue_work: lost update.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-1: the model reported a kernel bug).")
@State
public class QueueWhileRunningClearPendingAfterFunc {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = WorkQueues.machine(kernel, WqBug.CLEAR_PENDING_AFTER_FUNC);
    private int data;
    private int seen = -2;
    private final WorkStruct work = new WorkStruct("read_data", w -> seen = data);

    public QueueWhileRunningClearPendingAfterFunc() {
        WorkQueues.queue(kernel, wqs, 0, work);
    }

    @Actor
    public void producer(II_Result r) {
        kernel.runOn(0, "producer", () -> {
            data = 1;
            r.r1 = wqs.systemWq().queueWorkOn(0, work) ? 1 : 0;
        });
    }

    @Actor
    public void worker() {
        WorkQueues.work(kernel, wqs, 1, 0, 1);
    }

    @Arbiter
    public void flush(II_Result r) {
        WorkQueues.drain(kernel, wqs);
        r.r2 = seen;
    }
}
