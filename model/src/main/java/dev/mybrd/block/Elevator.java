package dev.mybrd.block;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The elevator of a legacy queue: the generic part of {@code block/elevator.c} (v4.4) with the noop
 * scheduler ({@code block/noop-iosched.c}) under it, and the queue's dispatch list
 * {@code q->queue_head}. All under {@code queue_lock}.
 *
 * <p><b>Lists.</b> A new request is inserted sorted ({@code ELEVATOR_INSERT_SORT}): {@code REQ_SORTED},
 * into the hash of end sectors ({@code elv_rqhash_add}) if it is mergeable, becomes {@code last_merge}
 * if there is none, and is appended to noop's FIFO. {@code __elv_next_request} serves the dispatch list
 * and, when it is empty, asks noop to move its oldest request there ({@code noop_dispatch} →
 * {@code elv_dispatch_sort}), which takes the request out of the hash and clears {@code last_merge}
 * if it pointed at it: from then on the request is the driver's and no bio may merge into it. A
 * requeued request goes back to the head of the dispatch list with {@code REQ_SOFTBARRIER}.
 *
 * <p><b>Merging</b> ({@code elv_merge}): first the one-hit cache {@code last_merge} (back or front
 * merge), then the hash (back merge onto a request that ends where the bio starts); noop has no
 * front-merge search. After a bio merge {@link BlkMerge} tries to merge the grown request with its
 * FIFO neighbour ({@code elv_latter_request}/{@code elv_former_request}). Seeded:
 * {@link BlkBug#MERGE_INTO_STARTED}.
 */
public final class Elevator {
    /** {@code ELEVATOR_NO_MERGE}, {@code ELEVATOR_FRONT_MERGE}, {@code ELEVATOR_BACK_MERGE}. */
    public enum MergeType { NO_MERGE, FRONT_MERGE, BACK_MERGE }

    record Merge(MergeType type, Request rq) {
    }

    private final RequestQueue q;
    /** noop's {@code nd->queue}. */
    final Deque<Request> fifo = new ArrayDeque<>();
    /** {@code q->queue_head}: the dispatch list. */
    final Deque<Request> dispatch = new ArrayDeque<>();
    /** {@code e->hash}: requests by end sector. */
    private final Map<Long, List<Request>> hash = new HashMap<>();
    Request lastMerge;
    int nrSorted;

    Elevator(RequestQueue q) {
        this.q = q;
    }

    /** {@code q->last_merge}, for tests. */
    public Request lastMerge() {
        return lastMerge;
    }

    /** Requests in noop's FIFO and on the dispatch list. */
    public int queuedCount() {
        return fifo.size() + dispatch.size();
    }

    // ---- hash ------------------------------------------------------------------------------------

    private void rqhashAdd(Request rq) {
        hash.computeIfAbsent(rq.endSector(), k -> new ArrayList<>()).add(rq);
        rq.onHash = true;
    }

    void rqhashDel(Request rq) {
        if (!rq.onHash) {
            return;
        }
        for (Map.Entry<Long, List<Request>> e : hash.entrySet()) {
            if (e.getValue().remove(rq)) {
                if (e.getValue().isEmpty()) {
                    hash.remove(e.getKey());
                }
                break;
            }
        }
        rq.onHash = false;
    }

    /** {@code elv_rqhash_reposition}: the end sector changed. */
    void rqhashReposition(Request rq) {
        rqhashDel(rq);
        rqhashAdd(rq);
    }

    /** {@code elv_rqhash_find(q, offset)}: a mergeable request ending at {@code offset}; drops stale ones. */
    private Request rqhashFind(long offset) {
        List<Request> bucket = hash.get(offset);
        if (bucket == null) {
            return null;
        }
        for (Request rq : List.copyOf(bucket)) {
            if (!BlkMerge.rqMergeable(rq)) {
                rqhashDel(rq);
                continue;
            }
            return rq;
        }
        return null;
    }

    // ---- merging ---------------------------------------------------------------------------------

    /** {@code elv_merge(q, &req, bio)}. */
    Merge elvMerge(Bio bio) {
        if (lastMerge != null && BlkMerge.blkRqMergeOk(lastMerge, bio)) {
            MergeType t = BlkMerge.blkTryMerge(lastMerge, bio);
            if (t != MergeType.NO_MERGE) {
                return new Merge(t, lastMerge);
            }
        }
        Request rq = rqhashFind(bio.sector());
        if (rq != null && BlkMerge.blkRqMergeOk(rq, bio)) {
            return new Merge(MergeType.BACK_MERGE, rq);
        }
        return new Merge(MergeType.NO_MERGE, null);
    }

    /** {@code elv_merged_request(q, rq, type)}. */
    void elvMergedRequest(Request rq, MergeType type) {
        if (type == MergeType.BACK_MERGE) {
            rqhashReposition(rq);
        }
        lastMerge = rq;
    }

    /** {@code elv_merge_requests(q, rq, next)}: {@code next} was merged into {@code rq}. */
    void elvMergeRequests(Request rq, Request next) {
        boolean nextSorted = (next.cmdFlags & Request.REQ_SORTED) != 0;
        if (nextSorted) {
            fifo.remove(next); // noop_merged_requests: list_del_init(&next->queuelist)
            next.where = Request.Where.NONE;
        }
        rqhashReposition(rq);
        if (nextSorted) {
            rqhashDel(next);
            nrSorted--;
        }
        lastMerge = rq;
    }

    /** {@code noop_latter_request}: the next request in noop's FIFO, or null. */
    Request elvLatterRequest(Request rq) {
        return neighbour(rq, 1);
    }

    /** {@code noop_former_request}. */
    Request elvFormerRequest(Request rq) {
        return neighbour(rq, -1);
    }

    private Request neighbour(Request rq, int dir) {
        if (rq.where != Request.Where.ELEVATOR) {
            return null;
        }
        List<Request> l = new ArrayList<>(fifo);
        int i = l.indexOf(rq) + dir;
        return i >= 0 && i < l.size() ? l.get(i) : null;
    }

    /**
     * {@code elv_attempt_insert_merge(q, rq)}: a request from a plug tries to merge into a queued
     * one ({@code last_merge}, then the hash, repeatedly); true if it was merged (and freed).
     */
    boolean elvAttemptInsertMerge(Request rq) {
        if (lastMerge != null && BlkMerge.attemptMerge(q, lastMerge, rq)) {
            return true;
        }
        boolean ret = false;
        while (true) {
            Request prev = rqhashFind(rq.sector);
            if (prev == null || !BlkMerge.attemptMerge(q, prev, rq)) {
                break;
            }
            ret = true;
            rq = prev;
        }
        return ret;
    }

    // ---- insertion and dispatch ------------------------------------------------------------------

    /** {@code __elv_add_request(q, rq, ELEVATOR_INSERT_SORT[_MERGE])}. */
    void elvAddSorted(Request rq, boolean tryMerge) {
        if (tryMerge && elvAttemptInsertMerge(rq)) {
            return;
        }
        rq.cmdFlags |= Request.REQ_SORTED;
        nrSorted++;
        if (BlkMerge.rqMergeable(rq)) {
            rqhashAdd(rq);
            if (lastMerge == null) {
                lastMerge = rq;
            }
        }
        fifo.addLast(rq); // noop_add_request
        rq.where = Request.Where.ELEVATOR;
    }

    /** {@code __elv_add_request(q, rq, ELEVATOR_INSERT_REQUEUE)}: head of the dispatch list. */
    void elvAddRequeue(Request rq) {
        rq.cmdFlags |= Request.REQ_SOFTBARRIER;
        dispatch.addFirst(rq);
        rq.where = Request.Where.DISPATCH;
    }

    /** {@code noop_dispatch}: moves the oldest request to the dispatch list; false if none. */
    private boolean noopDispatch() {
        Request rq = fifo.pollFirst();
        if (rq == null) {
            return false;
        }
        elvDispatchSort(rq);
        return true;
    }

    /** {@code elv_dispatch_sort(q, rq)}: the request leaves the merge structures for the driver. */
    private void elvDispatchSort(Request rq) {
        if (!q.bug(BlkBug.MERGE_INTO_STARTED)) {
            if (lastMerge == rq) {
                lastMerge = null;
            }
            rqhashDel(rq);
        }
        nrSorted--;
        dispatch.addLast(rq); // the dispatch list is empty or holds only soft barriers here
        rq.where = Request.Where.DISPATCH;
    }

    /** {@code __elv_next_request(q)}: the head of the dispatch list, refilled from noop. */
    Request elvNextRequest() {
        while (true) {
            Request rq = dispatch.peekFirst();
            if (rq != null) {
                return rq;
            }
            if (!noopDispatch()) {
                return null;
            }
        }
    }

    /** {@code blk_dequeue_request}'s unlink: {@code list_del_init(&rq->queuelist)}. */
    void dequeue(Request rq) {
        if (rq.where == Request.Where.DISPATCH) {
            dispatch.remove(rq);
        } else if (rq.where == Request.Where.ELEVATOR) {
            fifo.remove(rq);
        }
        rq.where = Request.Where.NONE;
    }

    /** What a request leaving for good must not leave behind (the seeded variant kept it). */
    void forget(Request rq) {
        if (lastMerge == rq) {
            lastMerge = null;
        }
        rqhashDel(rq);
    }
}
