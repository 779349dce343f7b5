package dev.mybrd.blkmq;

import java.util.Objects;

/**
 * {@code struct blk_mq_alloc_data} of v4.4 ({@code block/blk-mq.h}): what an allocation carries:
 * the queue, whether the gfp mask allows sleeping ({@code gfpflags_allow_blocking(data->gfp)}; later
 * kernels say {@code !(flags & BLK_MQ_REQ_NOWAIT)}), whether a reserved tag is wanted, and the
 * software and hardware queue contexts, which {@code bt_get} replaces when the task wakes up on another
 * CPU. Build it with {@link #set} after {@link BlkMqQueueMap#getCtx()}, as
 * {@code blk_mq_set_alloc_data} is used.
 */
public final class BlkMqAllocData {
    private final BlkMqQueueMap q;
    private final boolean mayBlock;
    private final boolean reserved;
    CtxLastTag ctx;
    HctxTagState hctx;

    private BlkMqAllocData(BlkMqQueueMap q, boolean mayBlock, boolean reserved, CtxLastTag ctx, HctxTagState hctx) {
        this.q = Objects.requireNonNull(q, "q");
        this.mayBlock = mayBlock;
        this.reserved = reserved;
        this.ctx = Objects.requireNonNull(ctx, "ctx");
        this.hctx = Objects.requireNonNull(hctx, "hctx");
    }

    /** {@code blk_mq_set_alloc_data(data, q, gfp, reserved, ctx, hctx)}. */
    public static BlkMqAllocData set(BlkMqQueueMap q, boolean mayBlock, boolean reserved, CtxLastTag ctx,
                                     HctxTagState hctx) {
        return new BlkMqAllocData(q, mayBlock, reserved, ctx, hctx);
    }

    /** The usual start: {@code ctx = blk_mq_get_ctx(q); hctx = map_queue(q, ctx->cpu)}, then set. */
    public static BlkMqAllocData getCtxAndSet(BlkMqQueueMap q, boolean mayBlock, boolean reserved) {
        CtxLastTag ctx = q.getCtx();
        return new BlkMqAllocData(q, mayBlock, reserved, ctx, q.mapQueue(ctx.cpu()));
    }

    public BlkMqQueueMap q() {
        return q;
    }

    /** {@code gfpflags_allow_blocking(data->gfp)}. */
    public boolean mayBlock() {
        return mayBlock;
    }

    /** {@code data->reserved}. */
    public boolean reserved() {
        return reserved;
    }

    /** {@code data->ctx}: the software queue context held (preemption disabled). */
    public CtxLastTag ctx() {
        return ctx;
    }

    /** {@code data->hctx}. */
    public HctxTagState hctx() {
        return hctx;
    }
}
