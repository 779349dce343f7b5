package dev.mybrd.stress.workqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueues;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * P24 Q2, PENDING coalescing (spec 3.14). Two CPUs call queue_work on the same idle work item at
 * once, each on its own CPU's pool. test_and_set_bit(PENDING) is one atomic step, so exactly one of
 * them wins and queues it, the other returns false, and the arbiter, running every pool, sees one
 * execution.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.TwoQueuers$' -m quick
 * Seeded variant with the same outcomes: TwoQueuersNonAtomicTestAndSet.
 */
@JCStressTest
@StressCheck(chapter = "work-queue", property = "P24 Q2 queue_work true iff it set PENDING", seeded = "")
@Outcome(id = {"1, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "One winner, one execution.")
@Outcome(id = "1, 1, 1", expect = FORBIDDEN, desc = "Both returned true for one execution: a claim was not atomic.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-1: the model reported corrupted lists).")
@State
public class TwoQueuers {
    private final Kernel kernel = new Kernel(2);
    private final Workqueues wqs = WorkQueues.machine(kernel, null);
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
