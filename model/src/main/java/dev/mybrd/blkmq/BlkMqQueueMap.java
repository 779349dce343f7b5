package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;

/**
 * The parts of a request queue that {@code bt_get} uses while it sleeps for a tag: getting and
 * putting the current CPU's software queue context ({@code blk_mq_get_ctx}: {@code get_cpu()}, so
 * preemption stays disabled while the context is held; {@code blk_mq_put_ctx}: {@code put_cpu()}),
 * mapping a CPU to its hardware queue ({@code q->mq_ops->map_queue}, i.e. {@code q->mq_map[cpu]}), and
 * running a hardware queue synchronously before sleeping ({@code blk_mq_run_hw_queue(hctx, false)},
 * added by "blk-mq: fix hang in bt_get()"). The blk-mq model of request queues implements it;
 * {@link FixedQueueMap} is the small one the tag checks use.
 */
public interface BlkMqQueueMap {
    /** The machine. */
    Kernel kernel();

    /** {@code blk_mq_get_ctx(q)}: disables preemption and returns this CPU's context. */
    CtxLastTag getCtx();

    /** {@code blk_mq_put_ctx(ctx)}: enables preemption again. */
    void putCtx(CtxLastTag ctx);

    /** {@code q->mq_ops->map_queue(q, cpu)}. */
    HctxTagState mapQueue(int cpu);

    /** {@code blk_mq_run_hw_queue(hctx, false)}: may complete requests and so free tags. */
    void runHwQueue(HctxTagState hctx);

    /**
     * Whether {@code bt_get}, woken up (perhaps on another CPU), maps the new ctx's CPU to its hardware
     * queue again, as v4.4 does. False only for the seeded {@link MqBug#BT_GET_KEEPS_HCTX_AFTER_SLEEP}.
     */
    default boolean remapAfterSleep() {
        return true;
    }
}
