package dev.mybrd.block;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.KernelBug;

/**
 * The dispatch side of a legacy queue ({@code block/blk-core.c}, v4.4): running the driver's
 * {@code request_fn} and handing it requests. Everything here is called with {@code queue_lock}
 * held and IRQs off.
 *
 * <p><b>Steps.</b> {@code __blk_run_queue} does nothing on a stopped queue and otherwise calls
 * {@code request_fn} with {@code request_fn_active} raised (the driver may drop the lock inside, so
 * several CPUs may be in it at once). {@code blk_peek_request} takes the head of the dispatch list
 * (refilled by the elevator), marks it {@code REQ_STARTED} the first time (from then on nothing may
 * merge into it) and runs {@code prep_rq_fn} unless {@code REQ_DONTPREP}: OK hands it over, DEFER
 * leaves it at the head and returns nothing (the driver must arrange a restart, typically with
 * {@code blk_stop_queue} and a later {@code blk_start_queue}), KILL ends it with {@code -EIO} at once
 * and tries the next. {@code blk_start_request} takes it off the dispatch list, counts it in
 * {@code in_flight} and arms its timeout. {@code blk_fetch_request} is peek then start.
 */
public final class BlkDispatch {
    private BlkDispatch() {
    }

    /** {@code __blk_run_queue(q)}. */
    public static void blkRunQueueLocked(RequestQueue q) {
        checkLocked(q, "__blk_run_queue");
        if (q.stopped) {
            return;
        }
        blkRunQueueUncond(q);
    }

    /** {@code __blk_run_queue_uncond(q)}. */
    static void blkRunQueueUncond(RequestQueue q) {
        q.requestFnActive++;
        try {
            q.requestFn.accept(q);
        } finally {
            q.requestFnActive--;
        }
        KernelBug.bugOn(q.queueLock.owner() != q.kernel.current(),
                () -> "request_fn of " + q + " returned without queue_lock held");
    }

    /** {@code blk_run_queue(q)}: takes {@code queue_lock} (irqsave) and runs it. */
    public static void blkRunQueue(RequestQueue q) {
        boolean flags = q.queueLock.lockIrqsave();
        try {
            blkRunQueueLocked(q);
        } finally {
            q.queueLock.unlockIrqrestore(flags);
        }
    }

    /** {@code blk_run_queue_async(q)}: kblockd will run it ({@code mod_delayed_work(..., 0)}). */
    public static void blkRunQueueAsync(RequestQueue q) {
        if (!q.stopped && !q.dying) {
            q.kblockd.schedule();
        }
    }

    /** {@code blk_stop_queue(q)}: {@code queue_lock} held. */
    public static void blkStopQueue(RequestQueue q) {
        checkLocked(q, "blk_stop_queue");
        q.kblockd.cancel();
        q.stopped = true;
    }

    /** {@code blk_start_queue(q)}: {@code queue_lock} held, IRQs off; clears STOPPED and runs the queue. */
    public static void blkStartQueue(RequestQueue q) {
        checkLocked(q, "blk_start_queue");
        KernelBug.bugOn(!q.kernel.thisCpu().irqsDisabled(), "WARN_ON(!irqs_disabled()) in blk_start_queue");
        q.stopped = false;
        blkRunQueueLocked(q);
    }

    /** {@code blk_peek_request(q)}: the next request for the driver, or null. */
    public static Request blkPeekRequest(RequestQueue q) {
        checkLocked(q, "blk_peek_request");
        Request rq;
        while ((rq = q.elevator.elvNextRequest()) != null) {
            if ((rq.cmdFlags & Request.REQ_STARTED) == 0) {
                rq.cmdFlags |= Request.REQ_STARTED;
            }
            if ((rq.cmdFlags & Request.REQ_DONTPREP) != 0 || q.prepRqFn == null) {
                break;
            }
            RequestQueue.Prep ret = q.prepRqFn.apply(rq);
            if (ret == RequestQueue.Prep.OK) {
                break;
            } else if (ret == RequestQueue.Prep.DEFER) {
                rq = null;
                break;
            } else {
                rq.cmdFlags |= Request.REQ_QUIET;
                blkStartRequest(rq);
                BlkEnd.blkEndRequestAllLocked(rq, Errno.EIO.negative());
            }
        }
        return rq;
    }

    /** {@code blk_start_request(req)}: off the dispatch list, {@code in_flight++}, timeout armed. */
    public static void blkStartRequest(Request req) {
        RequestQueue q = req.q;
        checkLocked(q, "blk_start_request");
        req.checkLive("blk_start_request");
        q.elevator.dequeue(req); // blk_dequeue_request
        if ((req.cmdFlags & Request.REQ_STARTED) != 0) {
            q.inFlight[req.sync ? 1 : 0]++;
        }
        KernelBug.bugOn(req.completeMarked(), () -> "BUG_ON(REQ_ATOM_COMPLETE) in blk_start_request: " + req);
        BlkTimeout.blkAddTimer(req);
    }

    /** {@code blk_fetch_request(q)}: peek and start. */
    public static Request blkFetchRequest(RequestQueue q) {
        Request rq = blkPeekRequest(q);
        if (rq != null) {
            blkStartRequest(rq);
        }
        return rq;
    }

    static void checkLocked(RequestQueue q, String what) {
        q.legacy();
        if (q.queueLock.owner() != q.kernel.current()) {
            throw new KernelBug("BUG: " + what + " without queue_lock held (lockdep_assert_held) on " + q);
        }
    }
}
