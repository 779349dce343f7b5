package dev.mybrd.block;

import dev.mybrd.block.Elevator.MergeType;

/**
 * Merging of the legacy path ({@code block/blk-merge.c} and the bio-merge helpers of
 * {@code blk-core.c}, v4.4), all under {@code queue_lock} except plug merges, which touch only the
 * task's own plug.
 *
 * <p><b>Rules.</b> A bio may join a request ({@code blk_rq_merge_ok}) if the request is still
 * mergeable ({@code rq_mergeable}: none of {@code REQ_NOMERGE_FLAGS}, above all not
 * {@code REQ_STARTED}) and the direction matches; it joins at the back if the request ends where the
 * bio starts, at the front if the bio ends where the request starts ({@code blk_try_merge}), and only
 * within the queue limits ({@code ll_back_merge_fn}/{@code ll_front_merge_fn}: at most
 * {@code max_sectors} sectors and {@code max_segments} segments; a request that would exceed them is
 * marked {@code REQ_NOMERGE}). Two requests merge ({@code attempt_merge}) under the same rules; the
 * later one's bios are spliced after the earlier one's, the earlier {@code start_time} is kept, and
 * the second request is freed. Discards are never merged in the model.
 *
 * <p><b>Invariant (P21)</b>: a request's range stays contiguous and equals the ordered union of its
 * bios; bytes are conserved; nothing joins a started request.
 */
public final class BlkMerge {
    /** {@code BLK_MAX_SEGMENTS}: the default {@code max_segments}. */
    public static final int BLK_MAX_SEGMENTS = 128;

    private BlkMerge() {
    }

    /** {@code rq_mergeable(rq)}. */
    static boolean rqMergeable(Request rq) {
        int noMerge = rq.q.bug(BlkBug.MERGE_INTO_STARTED) ? Request.REQ_NOMERGE_FLAGS & ~Request.REQ_STARTED
                : Request.REQ_NOMERGE_FLAGS;
        return (rq.cmdFlags & noMerge) == 0 && (rq.cmdFlags & NOMERGE) == 0 && !rq.freed();
    }

    /** {@code REQ_NOMERGE}: set when a merge would break the limits. */
    static final int NOMERGE = 1 << 10;

    /** {@code bio_mergeable(bio)} with the model's rule that discards do not merge. */
    static boolean bioMergeable(Bio bio) {
        return bio.op().hasData();
    }

    /** {@code blk_rq_merge_ok(rq, bio)}. */
    static boolean blkRqMergeOk(Request rq, Bio bio) {
        return rqMergeable(rq) && bioMergeable(bio) && rq.write == bio.op().isWrite() && !rq.bios.isEmpty()
                && rq.bios.get(0).op().hasData();
    }

    /** {@code blk_try_merge(rq, bio)}. */
    static MergeType blkTryMerge(Request rq, Bio bio) {
        if (rq.sector + rq.sectors() == bio.sector()) {
            return MergeType.BACK_MERGE;
        }
        if (rq.sector - bio.sectors() == bio.sector()) {
            return MergeType.FRONT_MERGE;
        }
        return MergeType.NO_MERGE;
    }

    private static int maxSectors(RequestQueue q) {
        return q.limits().maxHwSectors();
    }

    /** {@code ll_back_merge_fn} / {@code ll_front_merge_fn}: the limits; marks NOMERGE on failure. */
    private static boolean llMergeFn(RequestQueue q, Request req, Bio bio) {
        int segs = bio.vecs().size();
        if (req.sectors() + bio.sectors() > maxSectors(q) || req.nrPhysSegments + segs > BLK_MAX_SEGMENTS) {
            req.cmdFlags |= NOMERGE;
            if (q.elevator.lastMerge == req) {
                q.elevator.lastMerge = null;
            }
            return false;
        }
        req.nrPhysSegments += segs;
        return true;
    }

    /** {@code bio_attempt_back_merge(q, req, bio)}. */
    static boolean bioAttemptBackMerge(RequestQueue q, Request req, Bio bio) {
        if (!llMergeFn(q, req, bio)) {
            return false;
        }
        req.bios.add(bio);
        req.dataLen += bio.size();
        BlkAccount.ioStart(req, false);
        return true;
    }

    /** {@code bio_attempt_front_merge(q, req, bio)}. */
    static boolean bioAttemptFrontMerge(RequestQueue q, Request req, Bio bio) {
        if (!llMergeFn(q, req, bio)) {
            return false;
        }
        req.bios.add(0, bio);
        req.sector = bio.sector();
        req.dataLen += bio.size();
        BlkAccount.ioStart(req, false);
        return true;
    }

    /** {@code ll_merge_requests_fn(q, req, next)}. */
    private static boolean llMergeRequestsFn(RequestQueue q, Request req, Request next) {
        if (req.sectors() + next.sectors() > maxSectors(q)) {
            return false;
        }
        int total = req.nrPhysSegments + next.nrPhysSegments;
        if (total > BLK_MAX_SEGMENTS) {
            return false;
        }
        req.nrPhysSegments = total;
        return true;
    }

    /**
     * {@code attempt_merge(q, req, next)}: {@code next} (which must start where {@code req} ends)
     * joins {@code req} and is freed; true if it did.
     */
    static boolean attemptMerge(RequestQueue q, Request req, Request next) {
        if (!rqMergeable(req) || !rqMergeable(next) || req == next) {
            return false;
        }
        if (req.sector + req.sectors() != next.sector || req.write != next.write) {
            return false;
        }
        if (req.bios.isEmpty() || next.bios.isEmpty() || !bioMergeable(req.bios.get(0))
                || !bioMergeable(next.bios.get(0))) {
            return false;
        }
        if (!llMergeRequestsFn(q, req, next)) {
            return false;
        }
        if (req.startTime - next.startTime > 0) {
            req.startTime = next.startTime;
        }
        req.bios.addAll(next.bios);
        req.dataLen += next.dataLen;
        q.elevator.elvMergeRequests(req, next);
        BlkAccount.ioMerge(next);
        next.bios.clear();
        next.dataLen = 0;
        BlkEnd.blkPutRequestLocked(q, next);
        return true;
    }

    /** {@code attempt_back_merge(q, rq)}: with the next request in the elevator. */
    static boolean attemptBackMerge(RequestQueue q, Request rq) {
        Request next = q.elevator.elvLatterRequest(rq);
        return next != null && attemptMerge(q, rq, next);
    }

    /** {@code attempt_front_merge(q, rq)}: with the previous request in the elevator. */
    static boolean attemptFrontMerge(RequestQueue q, Request rq) {
        Request prev = q.elevator.elvFormerRequest(rq);
        return prev != null && attemptMerge(q, prev, rq);
    }
}
