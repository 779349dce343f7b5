package dev.mybrd.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * The PENDING hand-off of "queue_work while the work runs" (QueueWhileRunning) cut down to its
 * store-buffering core, on the model's own WorkStruct methods. Seeded GHOST_PENDING: v4.4.0 as released, no smp_mb after the store that clears PENDING (fixed by
 * 346c09f80459, v4.6, "workqueue: fix ghost PENDING flag while doing MQ IO"). The function's load
 * may be satisfied while the clear still sits in the worker's store buffer.
 *
 * Worker: set_work_pool_and_clear_pending (WorkStruct.setWorkPoolAndClearPending, the store that
 * gives up PENDING, then the barrier or none), then the work function's load of the data. Producer:
 * data = 1, then queue_work_on's test_and_set_bit(PENDING) (WorkStruct.testAndSetPending, a fully
 * ordered RMW). If the producer finds PENDING still set it returns false, trusting the execution it
 * thinks is pending to read the data; if that execution already read 0, the update is lost.
 *
 * The cut, which adds no outcome: in process_one_work the function runs after the pool lock is
 * dropped (spin_unlock_irq) and after the call; here its load follows the clear at once. A load may
 * always move from after an unlock (a release) to before it, so this is one of the executions the
 * real order allows, and it takes the model's unlock path out of the window. Everything before the
 * clear (dequeue, need_more_worker) cannot touch PENDING or the data. The work starts owned (PENDING
 * set), as process_one_work finds it.
 *
 * This class lives in the model's package, dev.mybrd.workqueue, because the two steps are the
 * owner-only WorkStruct methods the worker and queue_work call, package-private in the model; the
 * jar puts both in one package on the class path.
 *
 * r1 = the producer won PENDING (1: it queues a new execution, which will read the data; 0: it
 * coalesced with the execution it found pending), r2 = the data the execution read.
 *
 * Run: java -jar stress/target/jcstress.jar -t PendingHandOffSB -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "work-queue", property = "P24 Q3 at least once after queue_work (PENDING hand-off)", seeded = "GHOST_PENDING")
@Outcome(id = {"1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "queue_work won PENDING again: a new execution will read the data.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Coalesced, and the execution read the data.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Ghost PENDING: queue_work coalesced with an execution that had already read the old data: lost update.")
@State
public class PendingHandOffSBGhostPending {
    private final WorkStruct work = new WorkStruct("read_data", w -> { });
    private int data;

    public PendingHandOffSBGhostPending() {
        work.setPendingBit(); // owned, as process_one_work finds it
    }

    /** The worker: give up PENDING, then the function reads the data. */
    @Actor
    public void worker(II_Result r) {
        work.setWorkPoolAndClearPending(0, false);
        r.r2 = data;
    }

    /** The producer: write the data, then queue_work's test_and_set_bit(PENDING). */
    @Actor
    public void producer(II_Result r) {
        data = 1;
        r.r1 = work.testAndSetPending() ? 0 : 1;
    }
}
