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
 * Seeded bug GHOST_PENDING: v4.4.0's set_work_pool_and_clear_pending, without the smp_mb after the
 * store that clears PENDING (added by 346c09f80459, v4.6, "workqueue: fix ghost PENDING flag while
 * doing MQ IO"). The function's load of data may be satisfied while the clear still sits in the
 * store buffer; a producer that stored data = 1 and then found PENDING set returns false, and the
 * execution read 0. A store-buffering race: only real hardware shows it, and only sometimes.
 *
 * Same actors and outcome specification as QueueWhileRunning (read it first); only the machine
 * differs.
 *
 * NOT GATED (no @StressCheck): in three quick-mode runs on the 2-core CI machine (about 250,000
 * samples each) the forbidden outcome never showed. The window is the store buffer's drain time,
 * and the code between the clear and the function's load (the pool unlock, the call) is long
 * compared with it. Lincheck cannot show it either: its model checker is sequentially consistent.
 * The gate catches GHOST_PENDING with dev.mybrd.workqueue.PendingHandOffSBGhostPending, the same
 * hand-off cut down to its store-buffering core, in every quick run.
 *
 * Run: java -jar stress/target/jcstress.jar -t QueueWhileRunningGhostPending -m quick
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "queue_work won PENDING again; the new execution read the data.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Coalesced: the pending execution had not started and read the data.")
@Outcome(id = {"0, 0", "1, 0"}, expect = FORBIDDEN, desc = "The last execution ran without the data written before queue_work: lost update.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-1: the model reported a kernel bug).")
@State
public class QueueWhileRunningGhostPending {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = WorkQueues.machine(kernel, WqBug.GHOST_PENDING);
    private int data;
    private int seen = -2;
    private final WorkStruct work = new WorkStruct("read_data", w -> seen = data);

    public QueueWhileRunningGhostPending() {
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
