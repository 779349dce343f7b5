package dev.mybrd.block;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A queue's {@code delay_work} on the {@code kblockd} workqueue, reduced to what the legacy queue
 * uses it for: "run this queue soon, from process context" ({@code blk_run_queue_async},
 * {@code blk_delay_queue}, a plug flushed because its task is going to sleep). The PENDING bit makes
 * repeated requests coalesce, as {@code mod_delayed_work} does; {@code blk_stop_queue} cancels it.
 *
 * <p>The model has no kblockd thread: the work runs when someone gives it a CPU in process context
 * ({@link #run}), which {@code MyBrd.drain} does. Until then the queue waits, as it would for a busy
 * kworker.
 */
public final class Kblockd {
    private final RequestQueue q;
    private final AtomicBoolean pending = new AtomicBoolean();

    Kblockd(RequestQueue q) {
        this.q = q;
    }

    /** {@code mod_delayed_work(kblockd_workqueue, &q->delay_work, 0)}. */
    void schedule() {
        pending.set(true);
    }

    /** {@code cancel_delayed_work(&q->delay_work)}. */
    void cancel() {
        pending.set(false);
    }

    /** Whether a run is pending. */
    public boolean pending() {
        return pending.get();
    }

    /**
     * The work function {@code blk_delay_work}: {@code spin_lock_irq(queue_lock); __blk_run_queue(q)}.
     * Runs it if pending, in the current task (process context); true if it ran.
     */
    public boolean run() {
        if (!pending.getAndSet(false)) {
            return false;
        }
        q.kernel.mightSleep("kblockd work");
        q.queueLock.lockIrq();
        try {
            BlkDispatch.blkRunQueueLocked(q);
        } finally {
            q.queueLock.unlockIrq();
        }
        return true;
    }
}
