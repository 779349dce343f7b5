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
     * tag of the old one and a request on a ctx that queue does not own. Inserted, its pending bit
     * lands on the wrong {@code ctx_map} and it is never dispatched; issued directly (v4.4 with 2+
     * hardware queues), it runs on its ctx's hctx, but {@code blk_mq_free_request} gives the tag back
     * to that hctx's map: a double free there and a leak in the old one. Breaks M1/M2.
     */
    BT_GET_KEEPS_HCTX_AFTER_SLEEP,
    /**
     * {@code blk_mq_make_request}'s limited plug trusts {@code same_queue_rq} from
     * {@code blk_attempt_plug_merge} without re-checking that {@code plug->mq_list} is still
     * non-empty. If the tag allocation in between slept, {@code schedule()} flushed the plug, so that
     * request was already inserted, dispatched, maybe ended and its tag reused: it is issued a second
     * time (a double dispatch, or a use-after-free of the freed request). v4.4 re-checks the list
     * ("the plug list might get flushed before this"); spec 3.13's classic bug; the same stale plug
     * state after a sleeping allocation is what 0a6219a95f0b ("block: deal with stale req count of
     * plug list", v4.10) fixed for {@code request_count}. Breaks P1.
     */
    PLUG_STALE_SAME_QUEUE_RQ,
    /**
     * {@code blk_needs_flush_plug} looks at {@code plug->list} only, as the legacy-only plug did before
     * blk-mq added {@code mq_list} (320ae51feed5, v3.13): a task that sleeps keeps its blk-mq
     * requests plugged. If it sleeps in {@code bt_get} for a tag its own plugged request holds, it
     * never wakes (spec 3.13 classic bug, P29); the hung-task bound reports it.
     */
    SCHED_FLUSH_IGNORES_MQ_LIST,
    /**
     * {@code blk_mq_make_request} forgets the {@code blk_mq_insert_request} fallback when
     * {@code blk_mq_direct_issue_request} meets {@code BLK_MQ_RQ_QUEUE_BUSY}: the request, no longer
     * on any list, is never dispatched again (spec 3.11 M4/M5's classic bug on the direct-issue path).
     * Breaks P1/P2.
     */
    DIRECT_ISSUE_BUSY_DROPPED,
    /**
     * {@code __blk_mq_end_request} skips {@code blk_account_io_done} when the request ended with an
     * error: {@code in_flight} is never given back and {@code ios} undercounts (the pattern of mybrd
     * ch03's leak, spec 2.8 item 6, moved into blk-mq's end path). Breaks P19.
     */
    ACCOUNT_DONE_SKIPPED_ON_ERROR,
    /**
     * {@code blk_mq_flush_plug_list} inserts a ctx's batch only when the next ctx begins and forgets
     * the final batch after the loop (the {@code if (this_ctx)} tail): the last ctx's plugged requests
     * leave the plug but reach no list, and are never dispatched. Not a kernel commit: the classic
     * lost-tail-of-a-batched-loop bug, named in this chapter's brief. Breaks P1/P29.
     */
    FLUSH_PLUG_LOSES_LAST_BATCH
}
