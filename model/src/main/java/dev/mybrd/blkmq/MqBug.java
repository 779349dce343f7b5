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
    BUSY_LEFTOVERS_DROPPED,
    /**
     * {@code __blk_mq_tag_idle} drops the queue from {@code active_queues} but does not call
     * {@code blk_mq_tag_wakeup_all}: a task of another queue on the shared set that sleeps in
     * {@code bt_get} because its queue held its fair share is not told that the share just grew
     * (fewer active queues), and sleeps on with free tags it may now take, until one of its own
     * requests is freed. The wake-up is part of the design of 0d2602ca30e4 "blk-mq: improve support
     * for shared tags maps" (Axboe, v3.15); the same shape as {@link TagBug#UPDATE_DEPTH_NO_WAKE} for a
     * depth change. Breaks "no sleeper stranded when a sharer goes idle" (spec T6, P16).
     */
    TAG_IDLE_NO_WAKE,
    /**
     * {@code bt_get}, woken up after {@code io_schedule()}, takes the software queue of the CPU it now
     * runs on ({@code blk_mq_get_ctx}) but keeps the hardware queue, and so the tag map, it slept on,
     * instead of {@code map_queue(q, ctx->cpu)} again: spec 3.10 classic bug (f), "the stale hctx after
     * migrating while asleep". v4.4's {@code bt_get} re-picks both; the sbitmap rewrite of v4.9-rc
     * ({@code blk_mq_get_tag}) lost the re-pick and 7fe3113 "blk-mq: update hardware and software
     * queues for sleeping alloc" (v4.9-rc, 2016) restored it (which of the two the broken code kept is
     * reconstructed from that title). A task that migrated to a CPU of another hardware queue gets a
     * tag of the old one and a request on a ctx that queue does not own: its pending bit lands on the
     * wrong {@code ctx_map} and the request is never dispatched. Breaks M1/M2.
     */
    BT_GET_KEEPS_HCTX_AFTER_SLEEP
}
