package dev.mybrd.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueues;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P24 Q3, at least once after the last queue_work (spec 3.14). The work is queued on CPU 0 when the
 * sample starts. Actor 1 (CPU 0) stores data = 1 with a plain store and calls queue_work: it either
 * wins PENDING again (1) or finds it still set (0). Actor 2 (CPU 1) is a worker of CPU 0's pool: it
 * takes the work, clears PENDING, and the function reads data. The arbiter then runs whatever is
 * still queued (the flush) and reports what the last execution read.
 *
 * Whatever queue_work returned, an execution that started after the call must have read 1: either
 * this call queued a new one, or the pending one had not cleared PENDING yet and so reads data
 * afterwards (the smp_mb after the clear keeps its loads after the clear). The last execution
 * reading 0 is the lost update.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.QueueWhileRunning$' -m quick
 * Seeded variants with the same outcomes: QueueWhileRunningClearPendingAfterFunc,
 * QueueWhileRunningGhostPending.
 */
@JCStressTest
@StressCheck(chapter = "work-queue", property = "P24 Q3 at least once after queue_work", seeded = "")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "queue_work won PENDING again; the new execution read the data.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Coalesced: the pending execution had not started and read the data.")
@Outcome(id = {"0, 0", "1, 0"}, expect = FORBIDDEN, desc = "The last execution ran without the data written before queue_work: lost update.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-1: the model reported a kernel bug).")
@State
public class QueueWhileRunning {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = WorkQueues.machine(kernel, null);
    private int data;
    private int seen = -2;
    private final WorkStruct work = new WorkStruct("read_data", w -> seen = data);

    public QueueWhileRunning() {
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
