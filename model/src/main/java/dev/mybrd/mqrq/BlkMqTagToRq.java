package dev.mybrd.mqrq;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * Turning a busy tag into its request while the request is set up, borrowed by a flush and freed:
 * {@code tags->rqs[tag]}, {@code blk_mq_tag_to_rq}, the timeout scan's {@code bt_for_each}, and the
 * flush machinery's tag hand-over ({@code blk_kick_flush}, {@code flush_end_io}), on one hardware
 * queue with one tag (KR-12).
 *
 * <p>The flush request {@code fq->flush_rq} has no tag of its own: {@code blk_kick_flush} lends it
 * the tag of the first request waiting for the flush, and the two are never in flight together.
 * So a busy tag may stand for either request.
 *
 * <ul>
 *   <li>{@link Variant#DERIVE_FROM_RQ} (v4.1/v4.2, before 0048b4837aff): {@code tags->rqs[tag]}
 *       always holds the static request. {@code blk_mq_tag_to_rq} works out which request is
 *       active from that request's own fields: it maps {@code rq->q} and
 *       {@code rq->mq_ctx->cpu} to the hctx, then asks {@code is_flush_request}
 *       ({@code rq->cmd_flags & REQ_FLUSH_SEQ} and {@code fq->flush_rq->tag == tag}).
 *       {@code bt_for_each} calls it for every set bit, but a tag's bit is set by
 *       {@code blk_mq_get_tag} before {@code blk_mq_rq_ctx_init} fills in the request, and the
 *       request can be freed and reused at any time: its fields cannot be trusted, and a request
 *       never used before has {@code rq->q == NULL} (the oops of the commit: a NULL dereference in
 *       {@code blk_mq_tag_to_rq} called from {@code bt_for_each} in {@code blk_mq_rq_timer}).
 *   <li>{@link Variant#ACTIVE_RQ} (0048b4837aff, v4.3): {@code tags->rqs[tag]} always points at
 *       the active request, switched by {@code blk_kick_flush} ({@code blk_mq_tag_set_rq(hctx, tag,
 *       flush_rq)}) and back by {@code flush_end_io} ({@code ... fq->orig_rq}, then
 *       {@code flush_rq->tag = -1}), both under {@code fq->mq_flush_lock}; {@code bt_for_each}
 *       reads {@code tags->rqs[tag]} and only compares {@code rq->q} with the hctx's queue, a test
 *       that an uninitialised request fails harmlessly.
 * </ul>
 *
 * <p>The v4.2 lines are reconstructed from the commit's description, its oops and v4.2's
 * {@code is_flush_request} (docs/races/KR-12.md); the fixed ones follow v4.4's
 * {@code block/blk-mq.c} and {@code blk-flush.c}. Reductions: one hctx and one software queue,
 * so "map to the hctx" is a dereference of {@code rq->q} and {@code rq->mq_ctx}; the timeout
 * callback only reads {@code rq->atomic_flags}; the request's fields, plain in C, are volatile here
 * (stronger, and the race needs no reordering: model checking runs every step in program order).
 */
public final class BlkMqTagToRq {
    /** Which kernel's lookup runs. */
    public enum Variant {
        /** Before 0048b4837aff: derive the active request from the static request's fields. */
        DERIVE_FROM_RQ,
        /** 0048b4837aff: {@code tags->rqs[tag]} is the active request. */
        ACTIVE_RQ
    }

    /** {@code REQ_FLUSH_SEQ} in {@code rq->cmd_flags}: the request is in a flush sequence. */
    static final int REQ_FLUSH_SEQ = 1;
    private static final VarHandle RQS = MethodHandles.arrayElementVarHandle(Rq[].class);
    private static final VarHandle TAG_BUSY;

    static {
        try {
            TAG_BUSY = MethodHandles.lookup().findVarHandle(BlkMqTagToRq.class, "tagBusy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A {@code struct request}, reduced to what the lookup reads; zeroed until first set up. */
    public static final class Rq {
        final String name;
        volatile Object q;
        volatile Object mqCtx;
        volatile int cmdFlags;
        volatile int tag = -1;
        volatile int atomicFlags;

        Rq(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name + "{q=" + (q == null ? "NULL" : "q") + ", mq_ctx=" + (mqCtx == null ? "NULL" : "ctx")
                    + ", cmd_flags=" + cmdFlags + ", tag=" + tag + "}";
        }
    }

    private final Variant variant;
    /** The hctx's {@code request_queue} and the software queue. */
    private final Object queue = new Object();
    private final Object ctx = new Object();
    /** {@code tags->rqs[]}: one static request, from zeroed pages. */
    private final Rq[] rqs = {new Rq("rqs[0]")};
    /** {@code fq->flush_rq} and {@code fq->orig_rq}. */
    private final Rq flushRq = new Rq("flush_rq");
    private volatile Rq origRq;
    /** {@code fq->mq_flush_lock}. */
    private final Object mqFlushLock = new Object();
    @SuppressWarnings("unused") private int tagBusy;
    private volatile int visited;

    public BlkMqTagToRq(Variant variant) {
        this.variant = Objects.requireNonNull(variant, "variant");
    }

    /** Requests the timeout scans have handed to their callback. */
    public int visited() {
        return visited;
    }

    /**
     * A flush with data on an empty queue: allocate the request ({@code blk_mq_get_tag}, then
     * {@code blk_mq_rq_ctx_init}), issue the pre-flush ({@code blk_kick_flush} lends the tag to
     * {@code flush_rq}), complete it ({@code flush_end_io} gives the tag back), then end and free
     * the data request. Returns the tag used.
     */
    public int submitFlush() {
        int tag = getTag();
        Rq rq = (Rq) RQS.getVolatile(rqs, tag);
        rq.tag = tag;
        rqCtxInit(rq, REQ_FLUSH_SEQ);
        kickFlush(rq);
        flushEndIo();
        freeRequest(rq);
        return tag;
    }

    /**
     * One run of the timeout timer ({@code blk_mq_rq_timer}): {@code bt_for_each} over the busy
     * tags, calling {@code blk_mq_check_expired} for each request of this queue.
     */
    public void timeoutScan() {
        if ((int) TAG_BUSY.getVolatile(this) == 0) {
            return;
        }
        Rq rq = variant == Variant.DERIVE_FROM_RQ ? tagToRqDerived(0) : (Rq) RQS.getVolatile(rqs, 0);
        if (rq.q == queue) {
            checkExpired(rq);
        }
    }

    /** v4.2 {@code blk_mq_tag_to_rq}: trusts the static request's fields to find the active one. */
    private Rq tagToRqDerived(int tag) {
        Rq rq = (Rq) RQS.getVolatile(rqs, tag);
        // hctx = rq->q->mq_ops->map_queue(rq->q, rq->mq_ctx->cpu)
        deref(rq.q, "rq->q->mq_ops", rq);
        deref(rq.mqCtx, "rq->mq_ctx->cpu", rq);
        boolean isFlush = (rq.cmdFlags & REQ_FLUSH_SEQ) != 0 && flushRq.tag == tag; // is_flush_request
        return isFlush ? flushRq : rq;
    }

    private static void deref(Object p, String what, Rq rq) {
        if (p == null) {
            throw new KernelBug("BUG: unable to handle kernel NULL pointer dereference at " + what
                    + " in blk_mq_tag_to_rq (bt_for_each, blk_mq_rq_timer); " + rq);
        }
    }

    /** {@code blk_mq_check_expired}, reduced to its first read. */
    private void checkExpired(Rq rq) {
        if (rq.atomicFlags >= 0) {
            visited++;
        }
    }

    /** {@code blk_mq_get_tag}: the bit is set before the request is filled in. */
    private int getTag() {
        KernelBug.bugOn(!TAG_BUSY.compareAndSet(this, 0, 1), "tag 0 already in use");
        return 0;
    }

    /** {@code blk_mq_rq_ctx_init}. */
    private void rqCtxInit(Rq rq, int cmdFlags) {
        rq.q = queue;
        rq.mqCtx = ctx;
        rq.cmdFlags = cmdFlags;
    }

    /** {@code blk_kick_flush}: {@code blk_rq_init(q, flush_rq)} and the borrowed tag. */
    private void kickFlush(Rq first) {
        synchronized (mqFlushLock) {
            flushRq.mqCtx = null;             // blk_rq_init: memset, then ->q
            flushRq.cmdFlags = 0;
            flushRq.q = queue;
            flushRq.mqCtx = first.mqCtx;
            flushRq.tag = first.tag;
            if (variant == Variant.ACTIVE_RQ) {
                origRq = first;
                RQS.setVolatile(rqs, first.tag, flushRq); // blk_mq_tag_set_rq(hctx, tag, flush_rq)
            }
        }
    }

    /** {@code flush_end_io}: the tag goes back to the request it was borrowed from. */
    private void flushEndIo() {
        synchronized (mqFlushLock) {
            if (variant == Variant.ACTIVE_RQ) {
                RQS.setVolatile(rqs, flushRq.tag, origRq); // blk_mq_tag_set_rq(hctx, tag, fq->orig_rq)
                flushRq.tag = -1;
            }
        }
    }

    /** {@code blk_mq_end_request} of the data request: {@code __blk_mq_free_request} puts the tag. */
    private void freeRequest(Rq rq) {
        rq.cmdFlags = 0;
        TAG_BUSY.setRelease(this, 0);
    }
}
