package dev.mybrd.blkmq;

/**
 * Seeded bugs of the blk-mq core (spec 3.11 "classic bugs"), never on by default; each is caught by a
 * test in the model's suite and by the mq chapter's checks.
 */
public enum MqBug {
    /**
     * {@code flush_busy_ctxs} splices {@code ctx->rq_list} first and clears the ctx's pending bit in
     * {@code hctx->ctx_map} afterwards: an insert that lands between the splice and the clear has its
     * bit wiped, so it is stranded until an unrelated run (spec 3.11 M3).
     */
    CTX_PENDING_CLEARED_AFTER_SPLICE,
    /**
     * {@code __blk_mq_run_hw_queue} forgets the requests left after a {@code BLK_MQ_RQ_QUEUE_BUSY}
     * instead of splicing them onto {@code hctx->dispatch} (spec 3.11 M4, M5): they are never ended.
     */
    BUSY_LEFTOVERS_DROPPED
}
