package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;

/**
 * {@code struct wq_barrier} and {@code insert_wq_barrier}: how {@code flush_work} waits for a work
 * item without touching it. The barrier is a work item of its own whose function,
 * {@code wq_barrier_func}, completes {@code done}; the flusher queues it where it runs only after the
 * target's execution and sleeps on {@code done}.
 *
 * <p>Where it goes: if the target is executing on a worker, at the head of that worker's
 * {@code scheduled} list, so it runs right after the current execution; if the target is queued, just
 * after it on its list, with {@code LINKED} set on the target so that whoever moves the target (a
 * worker taking it, a collision sending it to another worker, the activation of a delayed item)
 * moves the barrier along. Either way the barrier runs after every execution queued before the flush
 * (invariant Q6). The barrier has {@code WORK_NO_COLOR}, so it counts toward neither
 * {@code nr_active} nor any flush colour, and it is born PENDING, owned by the flusher.
 */
final class WqBarrier {
    final WorkStruct work;
    final WqCompletion done;
    /** {@code barr->task}: informational, the flusher. */
    final Task task;

    WqBarrier(Kernel kernel, WorkStruct target) {
        this.done = new WqCompletion(kernel, "wq_barrier(" + target + ")");
        this.work = new WorkStruct("wq_barrier_func(" + target + ")", w -> done.complete());
        this.task = kernel.current();
        work.setPendingBit();
    }

    /** {@code insert_wq_barrier(pwq, barr, target, worker)}; pool lock held. */
    void insert(PoolWorkqueue pwq, WorkStruct target, Worker worker) {
        work.bind(pwq.wq.workqueues());
        WorkList list;
        WorkStruct before;
        long linked = 0;
        if (worker != null) {
            list = worker.scheduled;
            before = list.first();
        } else {
            list = target.entry;
            before = list.next(target);
            linked = target.data() & WorkStruct.WORK_STRUCT_LINKED;
            target.setBitNonAtomic(WorkStruct.WORK_STRUCT_LINKED);
        }
        pwq.insertWork(work, list, before, WorkStruct.workColorToFlags(WorkStruct.WORK_NO_COLOR) | linked);
    }
}
