package dev.mybrd.driver;

/**
 * Seeded bugs: documented deviations from the correct driver, each switched on explicitly through
 * {@link MyBrd.Config#withBug}. The default model has none. Each names the property it breaks and
 * the check that must catch it.
 */
public enum Bug {
    /**
     * {@code radix_tree_insert} without {@code mybrd_lock}: two first writers of one page both fill
     * the empty slot, one page (and the write copied into it) is lost. The classic bug of spec
     * section 3.15. Breaks P4 and linearizability.
     */
    INSERT_WITHOUT_LOCK,
    /**
     * brd's collision rule dropped: the writer that found no page stores its new page under the lock
     * without re-checking that the index is still empty ({@code radix_tree_replace_slot} where
     * {@code radix_tree_insert}'s {@code -EEXIST} was needed). A page another writer inserted and
     * wrote meanwhile is replaced by a zeroed one: two pages for one index over time, one write lost
     * (spec section 3.15, "lookup-then-insert without re-checking"). Breaks P4 and linearizability.
     */
    INSERT_WITHOUT_RECHECK,
    /**
     * mybrd's {@code copy_from_user_to_mybrd} (spec section 2.8 item 10): the second page of a
     * segment that crosses a page boundary is inserted only when the first page was missing too, so a
     * write whose first page exists and second does not hits {@code BUG_ON} on the second lookup.
     * brd inserts both pages unconditionally ({@code copy_to_brd_setup}).
     */
    MYBRD_TWO_PAGE_SETUP,
    /**
     * Publication before initialisation: the page is allocated without {@code __GFP_ZERO} and cleared
     * only after {@code radix_tree_insert} has published it, once the lock is dropped and after a
     * {@code cond_resched()}, so a concurrent reader can copy the allocator's poison, and the late
     * clear can wipe a concurrent writer's data. Breaks P5 (a reader never sees an uninitialised page).
     */
    ZERO_AFTER_PUBLISH,
    /**
     * mybrd ch03's accounting leak (spec section 2.8 item 6): {@code mybrd_make_request_fn} calls
     * {@code generic_start_io_acct} for every bio but {@code generic_end_io_acct} only on success; a
     * bio that fails (a write that gets {@code -ENOSPC}, a discard that is not page-aligned) is ended
     * with {@code bio_io_error} and its {@code in_flight} is never given back. After the I/O stops,
     * {@code in_flight} stays above 0 and {@code io_ticks} keeps growing. Breaks P19.
     */
    IN_FLIGHT_LEAK_ON_ERROR,
    /**
     * mybrd commit 86b61d1 (fixed in c359d3e; spec 2.8 item 2): when softirq mode was added,
     * {@code mybrd_request_fn} called {@code blk_complete_request(req)} and then still
     * {@code blk_end_request_all(req, 0)}, while {@code mybrd_softirq_done_fn} also moved the data and
     * ended it. Every request ends at once without its data (reads return the caller's buffer) and is
     * freed while it still sits on a {@code blk_cpu_done} list: the kernel's
     * {@code BUG_ON(ELV_ON_HASH(req))} in {@code __blk_put_request} fires ({@code ipi_list} shares its
     * storage with the hash node); had the softirq run first, its second end would be a use-after-free,
     * which the model reports too. Needs
     * {@code queue_mode=rq irqmode=softirq}. Breaks P1, P17, P27.
     */
    DOUBLE_COMPLETION,
    /**
     * mybrd master, commit 3ba077f (spec 2.8 item 3): in softirq mode {@code mybrd_request_fn} only
     * calls {@code blk_complete_request}, and {@code mybrd_softirq_done_fn} only ends the request with
     * success: no data are moved at all. Writes are dropped; reads return whatever the caller's pages
     * held. Needs {@code queue_mode=rq irqmode=softirq}. Breaks P3, P27.
     */
    SOFTIRQ_DONE_NO_TRANSFER,
    /**
     * mybrd branch ch04-request-mode-softirq (spec 2.8 item 5a): {@code mybrd_softirq_done_fn} does the
     * data transfer, so a write to a new page allocates it ({@code alloc_page(GFP_NOIO)},
     * {@code radix_tree_preload}) in {@code BLOCK_SOFTIRQ}: sleeping in atomic context, reported by
     * {@code might_sleep}. The default model moves the data in {@code request_fn} (process context)
     * and only ends the request in the softirq. Needs {@code queue_mode=rq irqmode=softirq}. Breaks P25.
     */
    SOFTIRQ_DONE_TRANSFER,
    /**
     * mybrd's {@code mybrd_prep_rq_fn} (spec 2.8 item 11): {@code BLKPREP_KILL} whenever
     * {@code req->special} is already set, without {@code REQ_DONTPREP}, so a request the driver
     * requeued is prepared again and killed with {@code -EIO}. The default model's prep is idempotent
     * (a request already prepared for this device is OK). Breaks P27 under requeue injection.
     */
    PREP_NOT_IDEMPOTENT,
    /** The block layer's {@link dev.mybrd.block.BlkBug#GET_REQUEST_REGISTER_AFTER_UNLOCK} (spec 3.6 (a)). Breaks P14/P2. */
    GET_REQUEST_REGISTER_AFTER_UNLOCK,
    /** The block layer's {@link dev.mybrd.block.BlkBug#MERGE_INTO_STARTED} (spec 3.7). Breaks P21/P27. */
    MERGE_INTO_STARTED,
    /**
     * mybrd's {@code mybrd_queue_rq} (spec 2.8 item 4): ends every request with
     * {@code blk_mq_end_request(req, 0)}, ignoring {@code _mybrd_request_fn}'s result, so a write
     * that failed with {@code -ENOSPC} is reported as success. mq-mode only. Breaks P27.
     */
    QUEUE_RQ_SWALLOWS_ERROR,
    /**
     * mybrd's {@code mybrd_queue_rq} moves the data itself (spec 2.8 item 5 (b)): a write allocates
     * pages with {@code GFP_NOIO}, which may sleep, while v4.4's synchronous run path has preemption
     * disabled: {@code might_sleep} reports "sleeping function called from invalid context". The
     * default model defers the transfer to process context as v4.4's loop driver does. Breaks P25.
     */
    MQ_TRANSFER_IN_QUEUE_RQ,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#BUSY_LEFTOVERS_DROPPED} (spec 3.11 M4/M5). Breaks P17. */
    BUSY_LEFTOVERS_DROPPED,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#CTX_PENDING_CLEARED_AFTER_SPLICE} (spec 3.11 M3). Breaks P17. */
    CTX_PENDING_CLEARED_AFTER_SPLICE,
    /**
     * The driver ends requests with {@code blk_mq_end_request} directly although the timeout scan
     * may also complete them (spec 3.11, last classic bug): no {@code REQ_ATOM_COMPLETE} arbitration,
     * so a slow request that times out is ended twice. mq-mode only. Breaks P1.
     */
    COMPLETION_AND_TIMEOUT_BOTH_END,
    /**
     * mybrd master's softirq path of commit 3ba077f ({@link #SOFTIRQ_DONE_NO_TRANSFER}, spec 2.8 item 3)
     * carried into mq-mode: {@code mybrd_queue_rq} starts the request and reports it done with success
     * at once ({@code blk_mq_complete_request}, whose done function, mybrd's shared
     * {@code mybrd_softirq_done_fn}, only ends it; with {@code irqmode=none}, {@code blk_mq_end_request}),
     * and the data never move. A write "succeeds" and a later read returns what was there before.
     * mq-mode only. Breaks P3 (per-sector linearizability) and P27.
     */
    MQ_COMPLETE_WITHOUT_TRANSFER,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#PLUG_STALE_SAME_QUEUE_RQ} (spec 3.13). Needs 2+ hw queues. Breaks P1. */
    PLUG_STALE_SAME_QUEUE_RQ,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#SCHED_FLUSH_IGNORES_MQ_LIST} (spec 3.13). Breaks P29. */
    SCHED_FLUSH_IGNORES_MQ_LIST,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#DIRECT_ISSUE_BUSY_DROPPED} (spec 3.11 M4/M5). Needs 2+ hw queues. Breaks P1/P2. */
    DIRECT_ISSUE_BUSY_DROPPED,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#ACCOUNT_DONE_SKIPPED_ON_ERROR} (spec 2.8 item 6's pattern). Breaks P19. */
    ACCOUNT_DONE_SKIPPED_ON_ERROR,
    /** The blk-mq core's {@link dev.mybrd.blkmq.MqBug#FLUSH_PLUG_LOSES_LAST_BATCH}. Breaks P1/P29. */
    FLUSH_PLUG_LOSES_LAST_BATCH
}
