package dev.mybrd.stress.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueues;
import dev.mybrd.workqueue.WqBug;
import java.util.function.Supplier;

/**
 * Plumbing shared by the work-queue checks: a 2-CPU machine whose workqueues have no kworkers, only
 * manual workers, so that a jcstress actor is the worker and every sample is one race. Not a test.
 */
final class WorkQueues {
    /** An outcome value for a run the model stopped with a {@link KernelBug} (corrupted lists). */
    static final int OOPS = -1;

    private WorkQueues() {
    }

    /** The workqueues of a fresh 2-CPU machine, with {@code bug} switched on unless it is null. */
    static Workqueues machine(Kernel kernel, WqBug bug) {
        Workqueues.Config c = Workqueues.Config.manual(2);
        return Workqueues.start(kernel, bug == null ? c : c.withBug(bug));
    }

    /** {@code queue_work_on(cpu, system_wq, work)} as a task on {@code cpu}: 1 if it returned true, 0 if false. */
    static int queue(Kernel kernel, Workqueues wqs, int cpu, WorkStruct work) {
        return guarded(() -> kernel.runOn(cpu, "producer", () -> wqs.systemWq().queueWorkOn(cpu, work) ? 1 : 0));
    }

    /** One pass of manual worker {@code worker} of CPU {@code pool}'s pool, as a task on {@code cpu}. */
    static void work(Kernel kernel, Workqueues wqs, int cpu, int pool, int worker) {
        kernel.runOn(cpu, "kworker", () -> wqs.pool(pool, false).manualWorker(worker).processWorklist());
    }

    /** Runs every pool's worklist to empty on CPU 0 (after the actors: the "flush" of the checks). */
    static void drain(Kernel kernel, Workqueues wqs) {
        for (int pool = 0; pool < 2; pool++) {
            work(kernel, wqs, 0, pool, 0);
        }
    }

    /** {@code body}'s value, or {@link #OOPS} if the model reported a kernel bug. */
    static int guarded(Supplier<Integer> body) {
        try {
            return body.get();
        } catch (KernelBug e) {
            return OOPS;
        }
    }
}
