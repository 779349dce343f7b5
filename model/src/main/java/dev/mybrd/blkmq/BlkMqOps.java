package dev.mybrd.blkmq;

import dev.mybrd.block.RequestQueue;

/**
 * {@code struct blk_mq_ops} of v4.4, the part a RAM disk uses: {@code queue_rq},
 * {@code complete} (the queue's {@code softirq_done_fn}; null to end requests directly) and
 * {@code timeout}. {@code map_queue} is always {@code blk_mq_map_queue}.
 */
public interface BlkMqOps {
    /** {@code BLK_MQ_RQ_QUEUE_OK}, {@code BLK_MQ_RQ_QUEUE_BUSY}, {@code BLK_MQ_RQ_QUEUE_ERROR}. */
    enum QueueRqResult { OK, BUSY, ERROR }

    /** {@code queue_rq(hctx, bd)} with {@code bd->rq}, {@code bd->last}. */
    QueueRqResult queueRq(BlkMqHwCtx hctx, BlkMqRequest rq, boolean last);

    /** {@code complete(rq)}, or null for none. */
    default java.util.function.Consumer<BlkMqRequest> complete() {
        return null;
    }

    /** {@code timeout(rq, reserved)}; v4.4's default without one is {@code BLK_EH_RESET_TIMER}. */
    default RequestQueue.EhTimerReturn timeout(BlkMqRequest rq) {
        return RequestQueue.EhTimerReturn.RESET_TIMER;
    }
}
