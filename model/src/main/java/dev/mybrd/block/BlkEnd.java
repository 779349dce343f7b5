package dev.mybrd.block;

import dev.mybrd.kernel.KernelBug;

/**
 * Ending a legacy request ({@code block/blk-core.c}, v4.4): {@code blk_update_request},
 * {@code blk_end_request_all}, {@code __blk_end_request_all}, {@code blk_finish_request},
 * {@code __blk_put_request} and {@code blk_requeue_request}.
 *
 * <p><b>Protocol.</b> {@code blk_update_request} walks the bios from the head and calls
 * {@code bio_endio} on each one whose bytes are now all complete (a partly completed head bio waits
 * for the rest), then advances {@code __sector}/{@code __data_len}; it needs no lock, as the request
 * belongs to the driver. When nothing is left, {@code blk_finish_request} runs under
 * {@code queue_lock} (taken with irqsave by {@code blk_end_request_all}, held by the caller of the
 * {@code __} variant): delete the timeout, account the I/O done, and {@code __blk_put_request}:
 * {@code in_flight--} if it was started ({@code elv_completed_request}), then free it and
 * {@code freed_request}, which may wake a task in {@code get_request}. A request must be off every
 * list when it is freed ({@code BUG_ON(!list_empty(&req->queuelist))}), and must be ended once: the
 * model reports a second end as a use-after-free (P1, P17).
 */
public final class BlkEnd {
    private BlkEnd() {
    }

    /**
     * {@code blk_update_request(req, error, nr_bytes)}: completes {@code nrBytes} from the head;
     * true if bytes remain. {@code error} is 0 or a negative errno.
     */
    public static boolean blkUpdateRequest(Request req, int error, long nrBytes) {
        req.checkLive("blk_update_request");
        if (nrBytes < 0 || nrBytes > req.dataLen) {
            throw new IllegalArgumentException("blk_update_request: " + nrBytes + " bytes of " + req);
        }
        if (error != 0 && (req.cmdFlags & Request.REQ_QUIET) == 0) {
            req.q.kernel.printk("blk_update_request: I/O error " + error + ", sector " + req.sector);
        }
        BlkAccount.ioCompletion(req, nrBytes);
        long total = 0;
        long left = nrBytes;
        while (!req.bios.isEmpty() && left > 0) {
            Bio bio = req.bios.get(0);
            long remaining = bio.size() - req.headDone;
            long bytes = Math.min(remaining, left);
            if (bytes == remaining) {
                req.bios.remove(0);
                req.headDone = 0;
                BlkStatus prior = bio.status();
                bio.endio(error != 0 ? BlkStatus.of(error) : prior);
            } else {
                req.headDone += bytes;
            }
            total += bytes;
            left -= bytes;
        }
        if (req.bios.isEmpty()) {
            req.dataLen = 0;
            return false;
        }
        req.dataLen -= total;
        req.sector += total >> Bio.SECTOR_SHIFT;
        return true;
    }

    /** {@code blk_end_request_all(rq, error)}: everything, then finish under {@code queue_lock} (irqsave). */
    public static void blkEndRequestAll(Request rq, int error) {
        rq.checkLive("blk_end_request_all");
        boolean pending = blkUpdateRequest(rq, error, rq.dataLen);
        KernelBug.bugOn(pending, () -> "blk_end_request_all left bytes in " + rq);
        RequestQueue q = rq.q;
        boolean flags = q.queueLock.lockIrqsave();
        try {
            blkFinishRequest(rq, error);
        } finally {
            q.queueLock.unlockIrqrestore(flags);
        }
    }

    /** {@code __blk_end_request_all(rq, error)}: {@code queue_lock} held. */
    public static void blkEndRequestAllLocked(Request rq, int error) {
        rq.checkLive("__blk_end_request_all");
        boolean pending = blkUpdateRequest(rq, error, rq.dataLen);
        KernelBug.bugOn(pending, () -> "__blk_end_request_all left bytes in " + rq);
        blkFinishRequest(rq, error);
    }

    /** {@code blk_finish_request(req, error)}: {@code queue_lock} held. */
    static void blkFinishRequest(Request req, int error) {
        req.checkLive("blk_finish_request");
        KernelBug.bugOn(req.where != Request.Where.NONE, () -> "blk_finish_request: " + req + " is still queued ("
                + req.where + ")");
        BlkTimeout.blkDeleteTimer(req);
        if ((req.cmdFlags & Request.REQ_DONTPREP) != 0) {
            req.cmdFlags &= ~Request.REQ_DONTPREP; // blk_unprep_request (no unprep_rq_fn)
        }
        BlkAccount.ioDone(req);
        blkPutRequestLocked(req.q, req);
    }

    /** {@code __blk_put_request(q, req)}: {@code queue_lock} held. */
    static void blkPutRequestLocked(RequestQueue q, Request req) {
        req.checkLive("__blk_put_request");
        if ((req.cmdFlags & Request.REQ_STARTED) != 0) {
            q.inFlight[req.sync ? 1 : 0]--; // elv_completed_request
            KernelBug.bugOn(q.inFlight[req.sync ? 1 : 0] < 0, () -> "q->in_flight below 0 after " + req);
        }
        if (q.bug(BlkBug.MERGE_INTO_STARTED)) {
            q.elevator.forget(req);
        }
        KernelBug.bugOn(!req.bios.isEmpty(), () -> "WARN_ON(req->bio != NULL): " + req);
        KernelBug.bugOn(req.where != Request.Where.NONE, () -> "BUG_ON(!list_empty(&req->queuelist)): " + req);
        KernelBug.bugOn(req.onHash, () -> "BUG_ON(ELV_ON_HASH(req)): " + req);
        KernelBug.bugOn(req.onDoneList, () -> "BUG_ON(ELV_ON_HASH(req)): " + req
                + " is still on a blk_cpu_done list (ipi_list shares its storage with the hash node)");
        req.markFreed(); // blk_free_request
        q.rl.freedRequest(req.sync);
    }

    /**
     * {@code blk_requeue_request(q, rq)}: {@code queue_lock} held. The driver gives a started request
     * back: timeout deleted, {@code REQ_ATOM_COMPLETE} cleared, {@code in_flight--}, not started any
     * more, and back at the head of the dispatch list. The caller arranges for the queue to run again.
     */
    public static void blkRequeueRequest(RequestQueue q, Request rq) {
        rq.checkLive("blk_requeue_request");
        BlkTimeout.blkDeleteTimer(rq);
        rq.clearComplete();
        KernelBug.bugOn(rq.where != Request.Where.NONE, () -> "blk_requeue_request: " + rq + " is queued");
        if ((rq.cmdFlags & Request.REQ_STARTED) != 0) {
            q.inFlight[rq.sync ? 1 : 0]--; // elv_requeue_request
        }
        rq.cmdFlags &= ~Request.REQ_STARTED;
        q.elevator.elvAddRequeue(rq);
    }
}
