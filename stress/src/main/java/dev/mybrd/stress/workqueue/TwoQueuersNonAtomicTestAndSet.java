package dev.mybrd.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueues;
import dev.mybrd.workqueue.WqBug;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * Seeded bug NONATOMIC_TEST_AND_SET: queue_work_on claims PENDING with test_bit and then set_bit, a
 * check-then-act race: both CPUs can see the bit clear and both return true, and the second one's
 * insertion finds the item already queued (or, on the other pool, corrupts the lists).
 *
 * Same actors and outcome specification as TwoQueuers (read it first); only the machine differs.
 * The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t TwoQueuersNonAtomicTestAndSet -m quick
 */
@JCStressTest
@StressCheck(chapter = "work-queue", property = "P24 Q2 queue_work true iff it set PENDING", seeded = "NONATOMIC_TEST_AND_SET")
@Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "One winner, one execution.")
@Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "Both returned true for one execution: a claim was not atomic.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-1: the model reported corrupted lists).")
@State
public class TwoQueuersNonAtomicTestAndSet {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = WorkQueues.machine(kernel, WqBug.NONATOMIC_TEST_AND_SET);
    private final AtomicInteger executions = new AtomicInteger();
    private final WorkStruct work = new WorkStruct("count", w -> executions.incrementAndGet());

    @Actor
    public void queuerA(III_Result r) {
        r.r1 = WorkQueues.queue(kernel, wqs, 0, work);
    }

    @Actor
    public void queuerB(III_Result r) {
        r.r2 = WorkQueues.queue(kernel, wqs, 1, work);
    }

    @Arbiter
    public void flush(III_Result r) {
        r.r3 = WorkQueues.guarded(() -> {
            WorkQueues.drain(kernel, wqs);
            return executions.get();
        });
    }
}
