package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code struct blk_mq_ctx} (v4.4 {@code block/blk-mq.h}): the software queue of one CPU. Submitters
 * on that CPU (with preemption disabled, {@code blk_mq_get_ctx}) append requests to {@code rq_list}
 * under {@code ctx->lock}; whichever CPU runs the ctx's hardware queue splices the whole list away
 * under the same lock ({@code flush_busy_ctxs}). {@code index_hw} is the ctx's position in
 * {@code hctx->ctxs[]} and its bit number in {@code hctx->ctx_map}; {@code last_tag} is the FIFO hint of
 * {@code blk_mq_put_tag}, the {@link CtxLastTag} the tag allocator already uses.
 *
 * <p><b>Invariant</b> (spec 3.11 M3): if {@code rq_list} is non-empty, the ctx's pending bit is set,
 * or a run that cleared it has not yet spliced the list.
 */
public final class BlkMqCtx {
    /** {@code ctx->lock}: a plain spinlock (never taken from interrupts in v4.4). */
    final SpinLock lock;
    /** {@code ctx->rq_list}, under {@link #lock}. */
    final Deque<BlkMqRequest> rqList = new ArrayDeque<>();
    final int cpu;
    final CtxLastTag lastTag;
    /** {@code ctx->index_hw}, set once by {@code blk_mq_map_swqueue}. */
    int indexHw = -1;

    BlkMqCtx(Kernel kernel, int cpu, int initialHint) {
        this.cpu = cpu;
        this.lock = new SpinLock(kernel, "ctx" + cpu + ".lock");
        this.lastTag = new CtxLastTag(cpu, initialHint);
    }

    /** {@code ctx->cpu}. */
    public int cpu() {
        return cpu;
    }

    /** {@code ctx->index_hw}. */
    public int indexHw() {
        return indexHw;
    }

    /** {@code &ctx->last_tag}. */
    public CtxLastTag lastTag() {
        return lastTag;
    }

    /** Requests on {@code rq_list} now (takes {@code ctx->lock}; for checks and reports). */
    public int queued() {
        lock.lock();
        try {
            return rqList.size();
        } finally {
            lock.unlock();
        }
    }

    /** The length of {@code rq_list} without the lock: for checks of a quiescent queue only. */
    int queuedUnlocked() {
        return rqList.size();
    }

    @Override
    public String toString() {
        return "ctx" + cpu;
    }
}
