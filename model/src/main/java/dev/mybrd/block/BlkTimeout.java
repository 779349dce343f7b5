package dev.mybrd.block;

import dev.mybrd.workqueue.Timers;

/**
 * Request timeouts of the legacy path ({@code block/blk-timeout.c}, v4.4).
 *
 * <p>{@code blk_add_timer}, at {@code blk_start_request}: only if the driver has an
 * {@code rq_timed_out_fn} (v4.4 arms nothing otherwise), the request gets
 * {@code deadline = jiffies + rq_timeout} and joins {@code q->timeout_list}; the queue's single timer
 * is pulled forward if it would fire later. {@code blk_delete_timer} takes it off at finish and
 * requeue. The timer function ({@code blk_rq_timed_out_timer}, in the timer softirq, under
 * {@code queue_lock} irqsave) looks at every listed request: an expired one leaves the list and is
 * handled only if {@code blk_mark_rq_complete} wins the {@code REQ_ATOM_COMPLETE} bit, so a
 * completion that already claimed it makes the timeout a no-op, and a timeout that claimed it makes a
 * later {@code blk_complete_request} a no-op (S4: never both). The driver's answer decides:
 * {@code BLK_EH_HANDLED} completes it through {@code __blk_complete_request} (the softirq path),
 * {@code BLK_EH_RESET_TIMER} re-arms it and clears the bit, {@code BLK_EH_NOT_HANDLED} leaves it to
 * the driver. Seeded: {@link BlkBug#TIMEOUT_WITHOUT_COMPLETE_CLAIM} skips the claim. v4.5 moved the
 * scan to kblockd ({@code blk_timeout_work}); the model keeps v4.4's timer.
 *
 * <p>The timer runs on the clock of {@link Timers}: the model's time moves only when a task ticks.
 */
public final class BlkTimeout {
    private BlkTimeout() {
    }

    /** {@code blk_add_timer(req)}: {@code queue_lock} held. */
    static void blkAddTimer(Request req) {
        RequestQueue q = req.q;
        if (q.rqTimedOutFn == null) {
            return;
        }
        if (req.onTimeoutList) {
            throw new dev.mybrd.kernel.KernelBug("BUG_ON(!list_empty(&req->timeout_list)): " + req);
        }
        req.deadline = q.timers.jiffies() + q.rqTimeout;
        q.timeoutList.add(req);
        req.onTimeoutList = true;
        long expiry = req.deadline;
        if (!q.timers.timerPending(q.timeoutTimer) || expiry - q.timeoutTimer.expires() < 0) {
            q.timers.modTimer(q.timeoutTimer, expiry);
        }
    }

    /** {@code blk_delete_timer(req)}: {@code list_del_init(&req->timeout_list)}. */
    static void blkDeleteTimer(Request req) {
        if (req.onTimeoutList) {
            req.q.timeoutList.remove(req);
            req.onTimeoutList = false;
        }
    }

    /** {@code blk_rq_timed_out_timer(data)}: the queue's timer function. */
    static void blkRqTimedOutTimer(RequestQueue q) {
        boolean flags = q.queueLock.lockIrqsave();
        try {
            long now = q.timers.jiffies();
            Long next = null;
            for (Request rq : java.util.List.copyOf(q.timeoutList)) {
                if (now - rq.deadline >= 0) {
                    blkDeleteTimer(rq);
                    if (q.bug(BlkBug.TIMEOUT_WITHOUT_COMPLETE_CLAIM)) {
                        blkRqTimedOut(rq); // seeded: no arbitration with a racing completion
                    } else if (!rq.markComplete()) { // blk_mark_rq_complete
                        blkRqTimedOut(rq);
                    }
                } else if (next == null || next - rq.deadline > 0) {
                    next = rq.deadline;
                }
            }
            if (next != null) {
                q.timers.modTimer(q.timeoutTimer, next);
            }
        } finally {
            q.queueLock.unlockIrqrestore(flags);
        }
    }

    /** {@code blk_rq_timed_out(req)}. */
    private static void blkRqTimedOut(Request req) {
        RequestQueue q = req.q;
        q.kernel.printk("block: request " + req + " timed out");
        RequestQueue.EhTimerReturn ret = q.rqTimedOutFn.apply(req);
        switch (ret) {
            case HANDLED -> BlkSoftirq.blkCompleteRequestClaimed(req);
            case RESET_TIMER -> {
                blkAddTimer(req);
                req.clearComplete();
            }
            case NOT_HANDLED -> {
            }
        }
    }
}
