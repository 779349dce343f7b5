package dev.mybrd.lincheck.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueue;
import dev.mybrd.workqueue.Workqueues;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * Q2, PENDING coalescing, as linearizability: concurrent {@code queue_work} calls on several CPUs
 * and {@code work_pending} reads, against {@link CoalescingSpec} (a PENDING flag). No worker runs, so
 * the first successful claim wins and every later call is covered by it: exactly one caller gets
 * true, and the item is queued once ({@link #oneInstance}).
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public class QueueCoalescing {
    static final int NR_CPUS = 2;

    protected final Kernel kernel = new Kernel(NR_CPUS);
    protected final Workqueues wqs = Workqueues.start(kernel, config());
    private final Workqueue wq = wqs.systemWq();
    private final WorkStruct work = new WorkStruct("w", w -> { });

    protected Workqueues.Config config() {
        return Workqueues.Config.manual(1);
    }

    /** {@code queue_work(system_wq, work)} on CPU {@code cpu}. */
    @Operation
    public boolean queue(@Param(name = "cpu") int cpu) {
        return kernel.runOn(cpu % NR_CPUS, "producer", () -> wq.queueWork(work));
    }

    /** {@code work_pending(work)}. */
    @Operation
    public boolean pending() {
        return work.workPending();
    }

    /** Q1 at quiescence: PENDING set exactly when the item is on a list. */
    @Validate
    public void oneInstance() {
        if (work.workPending() != work.isQueued()) {
            throw new IllegalStateException("Q1: PENDING is " + work.workPending() + " but queued is " + work.isQueued());
        }
    }
}
