package dev.mybrd.blkmq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;

/**
 * blk-mq's half of the per-task plug ({@code plug->mq_list} of {@link BlkPlug}; v4.4
 * {@code block/blk-core.c} {@code blk_attempt_plug_merge}, {@code blk_plug_queued_count},
 * {@code block/blk-mq.c} {@code blk_mq_flush_plug_list}).
 *
 * <p><b>Algorithm.</b> Only the task that owns the plug touches {@code mq_list}, so it is a plain
 * list with no lock, and a bio may merge into a plugged request without any lock
 * ({@link #attemptPlugMerge}, newest first, counting this queue's plugged requests and remembering
 * one of them as {@code same_queue_rq}). {@code blk_sq_make_request} (one hardware queue) appends
 * every new request and flushes first once 16 are plugged; {@code blk_mq_make_request} (several)
 * keeps at most one request per queue there and issues the one it displaces directly
 * ({@link BlkMqQueue}). The flush ({@link #flushPlugList}) takes the whole list, sorts it by ctx
 * (then queue and sector), and hands each ctx's run to {@code blk_mq_insert_requests}: under that
 * ctx's lock, onto its {@code rq_list}, pending bit set, then the hardware queue is run, by kblockd
 * if the flush comes from {@code schedule()} ({@code from_schedule}).
 *
 * <p><b>Invariants.</b> A plugged request holds a tag and a usage reference but is on no queue list,
 * so no run and no other task can see it; every plugged request reaches its ctx before the task
 * sleeps ({@code blk_schedule_flush_plug}) and before {@code blk_finish_plug} returns (P29), once.
 * Anything learnt from the plug before a sleeping allocation may be stale afterwards: the sleep
 * flushed it ({@link MqBug#PLUG_STALE_SAME_QUEUE_RQ}).
 */
public final class BlkMqPlug {
    private BlkMqPlug() {
    }

    /**
     * {@code list_sort(NULL, &list, plug_ctx_cmp)}: grouped by ctx, by sector within a ctx, stable.
     * The kernel orders ctxs by address; the model by queue (in order of first appearance) and then
     * CPU, which groups the same way without identity hashes (model checking needs determinism).
     * An insertion sort: a plug holds at most 16 requests per queue.
     */
    private static void sortByCtx(List<BlkMqRequest> list) {
        List<BlkMqQueue> queues = new ArrayList<>();
        for (BlkMqRequest rq : list) {
            if (!queues.contains(rq.q)) {
                queues.add(rq.q);
            }
        }
        for (int i = 1; i < list.size(); i++) {
            BlkMqRequest rq = list.get(i);
            int j = i - 1;
            while (j >= 0 && before(queues, rq, list.get(j))) {
                list.set(j + 1, list.get(j));
                j--;
            }
            list.set(j + 1, rq);
        }
    }

    /** {@code plug_ctx_cmp}'s strict order: {@code a} goes before {@code b}. */
    private static boolean before(List<BlkMqQueue> queues, BlkMqRequest a, BlkMqRequest b) {
        int qa = queues.indexOf(a.q);
        int qb = queues.indexOf(b.q);
        if (qa != qb) {
            return qa < qb;
        }
        if (a.mqCtx.cpu != b.mqCtx.cpu) {
            return a.mqCtx.cpu < b.mqCtx.cpu;
        }
        return a.sector < b.sector;
    }

    /**
     * {@code blk_needs_flush_plug}'s blk-mq term: something on {@code mq_list}; with
     * {@link MqBug#SCHED_FLUSH_IGNORES_MQ_LIST} the test is skipped.
     */
    public static boolean needsFlush(BlkPlug plug) {
        List<BlkMqRequest> l = plug.mqList();
        return !l.isEmpty() && !l.get(0).q.bug(MqBug.SCHED_FLUSH_IGNORES_MQ_LIST);
    }

    /**
     * {@code blk_attempt_plug_merge(q, bio, &request_count, &same_queue_rq)} on {@code mq_list}:
     * newest first; each request of {@code q} counts, and the oldest of them is
     * {@code same_queue_rq}; a back or front merge into one of them ends the search. Returns whether
     * {@code bio} merged.
     */
    static boolean attemptPlugMerge(Kernel kernel, BlkMqQueue q, Bio bio, int[] requestCount,
            BlkMqRequest[] sameQueueRq) {
        BlkPlug plug = BlkPlug.currentPlug(kernel);
        if (plug == null) {
            return false;
        }
        List<BlkMqRequest> l = plug.mqList();
        for (int i = l.size() - 1; i >= 0; i--) {
            BlkMqRequest rq = l.get(i);
            if (rq.q == q) {
                requestCount[0]++;
                if (sameQueueRq != null) {
                    sameQueueRq[0] = rq;
                }
            }
            if (rq.q != q || !mergeOk(q, rq, bio)) {
                continue;
            }
            if (rq.endSector() == bio.sector()) {
                rq.appendBio(bio); // bio_attempt_back_merge
                q.accountMerge(rq);
                return true;
            }
            if (bio.endSector() == rq.sector) {
                rq.prependBio(bio); // bio_attempt_front_merge
                q.accountMerge(rq);
                return true;
            }
        }
        return false;
    }

    /** {@code blk_rq_merge_ok} with {@code ll_{back,front}_merge_fn}'s size limit; no discards. */
    private static boolean mergeOk(BlkMqQueue q, BlkMqRequest rq, Bio bio) {
        if (bio.op() == ReqOp.DISCARD || rq.isDiscard()) {
            return false;
        }
        boolean write = bio.op() == ReqOp.WRITE;
        return rq.write == write && ((rq.dataLen + bio.size()) >> Bio.SECTOR_SHIFT) <= q.maxHwSectors();
    }

    /** {@code blk_plug_queued_count(q)}: plugged requests of {@code q} (for queues that do not merge). */
    static int plugQueuedCount(Kernel kernel, BlkMqQueue q) {
        BlkPlug plug = BlkPlug.currentPlug(kernel);
        if (plug == null) {
            return 0;
        }
        int n = 0;
        for (BlkMqRequest rq : plug.mqList()) {
            if (rq.q == q) {
                n++;
            }
        }
        return n;
    }

    /** Appends {@code rq} to the task's {@code mq_list} ({@code list_add_tail}). */
    static void add(BlkPlug plug, BlkMqRequest rq) {
        plug.mqList().add(rq);
    }

    /**
     * {@code blk_mq_flush_plug_list(plug, from_schedule)}: splice {@code mq_list} away, sort it,
     * and insert each ctx's run with {@code blk_mq_insert_requests}, which also runs the queue.
     */
    public static void flushPlugList(Kernel kernel, BlkPlug plug, boolean fromSchedule) {
        List<BlkMqRequest> list = new ArrayList<>(plug.mqList());
        plug.mqList().clear(); // list_splice_init: the plug is empty before anything is inserted
        sortByCtx(list);
        BlkMqCtx thisCtx = null;
        BlkMqQueue thisQ = null;
        List<BlkMqRequest> ctxList = new ArrayList<>();
        for (BlkMqRequest rq : list) {
            if (rq.mqCtx != thisCtx) {
                if (thisCtx != null) {
                    thisQ.insertRequests(thisCtx, ctxList, fromSchedule);
                    ctxList = new ArrayList<>();
                }
                thisCtx = rq.mqCtx;
                thisQ = rq.q;
            }
            ctxList.add(rq);
        }
        if (thisCtx != null && !thisQ.bug(MqBug.FLUSH_PLUG_LOSES_LAST_BATCH)) {
            thisQ.insertRequests(thisCtx, ctxList, fromSchedule);
        }
    }
}
