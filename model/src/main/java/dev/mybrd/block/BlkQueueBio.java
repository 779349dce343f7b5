package dev.mybrd.block;

import dev.mybrd.block.Elevator.Merge;
import dev.mybrd.block.Elevator.MergeType;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;

/**
 * {@code blk_queue_bio(q, bio)} ({@code block/blk-core.c}, v4.4): the {@code make_request_fn} of every
 * request-mode queue, in the submitter's context.
 *
 * <p><b>Steps.</b> (1) Try to merge into a request on the task's plug (no lock). (2) Under
 * {@code queue_lock} (with {@code _irq}), ask the elevator for a merge candidate and try a back or
 * front merge; after one, try to merge the grown request with its neighbour, and tell the elevator.
 * (3) Otherwise get a new request ({@code get_request}, which may sleep until one is freed; the bio
 * is not re-checked for merges afterwards, as in the kernel), fill it from the bio
 * ({@code init_request_from_bio}), note the submitting CPU if {@code rq_affinity} is on, and either
 * plug it (flushing a full plug first) or insert it into the elevator, account it and run the queue
 * ({@code add_acct_request}, {@code __blk_run_queue}). A dying queue ends the bio with
 * {@code -ENODEV}.
 *
 * <p>Reads are synchronous and writes asynchronous ({@code rw_is_sync}; the model's bios carry no
 * {@code REQ_SYNC}); the two classes have separate request counts and wait queues.
 */
public final class BlkQueueBio {
    private BlkQueueBio() {
    }

    /** {@code blk_queue_bio(q, bio)}. */
    public static void blkQueueBio(RequestQueue q, Bio bio) {
        Kernel kernel = q.kernel;
        boolean write = bio.op().isWrite();
        boolean sync = !write;
        int[] requestCount = {0};
        if (blkAttemptPlugMerge(kernel, q, bio, requestCount)) {
            return;
        }
        q.queueLock.lockIrq();
        Merge m = q.elevator.elvMerge(bio);
        if (m.type() == MergeType.BACK_MERGE && BlkMerge.bioAttemptBackMerge(q, m.rq(), bio)) {
            if (!BlkMerge.attemptBackMerge(q, m.rq())) {
                q.elevator.elvMergedRequest(m.rq(), MergeType.BACK_MERGE);
            }
            q.queueLock.unlockIrq();
            return;
        }
        if (m.type() == MergeType.FRONT_MERGE && BlkMerge.bioAttemptFrontMerge(q, m.rq(), bio)) {
            if (!BlkMerge.attemptFrontMerge(q, m.rq())) {
                q.elevator.elvMergedRequest(m.rq(), MergeType.FRONT_MERGE);
            }
            q.queueLock.unlockIrq();
            return;
        }
        Object got = q.rl.getRequest(write, sync, true);
        if (got instanceof Errno e) {
            q.queueLock.unlockIrq();
            bio.endio(BlkStatus.of(e.negative()));
            return;
        }
        Request req = (Request) got;
        q.queueLock.unlockIrq(); // __get_request returns without the lock
        initRequestFromBio(req, bio);
        if (q.sameComp) {
            req.cpu = kernel.smpProcessorId();
        }
        BlkPlug plug = BlkPlug.current(kernel);
        if (plug != null) {
            if (requestCount[0] >= BlkPlug.BLK_MAX_REQUEST_COUNT) {
                BlkPlug.flushPlugList(kernel, plug, false);
            }
            plug.list.add(req);
            req.where = Request.Where.PLUG;
            BlkAccount.ioStart(req, true);
        } else {
            q.queueLock.lockIrq();
            BlkAccount.ioStart(req, true); // add_acct_request
            q.elevator.elvAddSorted(req, false);
            BlkDispatch.blkRunQueueLocked(q);
            q.queueLock.unlockIrq();
        }
    }

    /** {@code init_request_from_bio(req, bio)} with {@code blk_rq_init}'s {@code start_time}. */
    private static void initRequestFromBio(Request req, Bio bio) {
        req.sector = bio.sector();
        req.dataLen = bio.size();
        req.nrPhysSegments = bio.vecs().size();
        req.bios.add(bio);
        req.startTime = req.q.stats != null ? req.q.stats.jiffies().get() : 0;
    }

    /**
     * {@code blk_attempt_plug_merge(q, bio, &request_count, NULL)}: the task's plug, newest first;
     * counts this queue's plugged requests on the way.
     */
    private static boolean blkAttemptPlugMerge(Kernel kernel, RequestQueue q, Bio bio, int[] requestCount) {
        BlkPlug plug = BlkPlug.current(kernel);
        if (plug == null) {
            return false;
        }
        for (int i = plug.list.size() - 1; i >= 0; i--) {
            Request rq = plug.list.get(i);
            if (rq.q == q) {
                requestCount[0]++;
            }
            if (rq.q != q || !BlkMerge.blkRqMergeOk(rq, bio)) {
                continue;
            }
            MergeType t = BlkMerge.blkTryMerge(rq, bio);
            if (t == MergeType.BACK_MERGE && BlkMerge.bioAttemptBackMerge(q, rq, bio)) {
                return true;
            }
            if (t == MergeType.FRONT_MERGE && BlkMerge.bioAttemptFrontMerge(q, rq, bio)) {
                return true;
            }
        }
        return false;
    }
}
