package dev.mybrd.block;

/**
 * Seeded bugs of the legacy request path ({@code block/blk-core.c}, {@code elevator.c},
 * {@code blk-merge.c}), switched on per queue and never the default. Each names its source and the
 * property it breaks.
 */
public enum BlkBug {
    /**
     * {@code get_request} drops {@code queue_lock} before it registers on {@code rl->wait[sync]}
     * (spec 3.6, classic bug (a)): a request freed in the window wakes nobody, so the task sleeps
     * although a request is free, until the next free or, if none is in flight, forever (P14).
     */
    GET_REQUEST_REGISTER_AFTER_UNLOCK,
    /**
     * The elevator keeps a request it handed to the driver as a merge candidate ({@code last_merge}
     * and the hash are not cleared at dispatch) and {@code rq_mergeable} ignores {@code REQ_STARTED}
     * (spec 3.7's classic bug): a bio merged into a request the driver is already processing is
     * ended with the request although its data were never moved (P21, P27).
     */
    MERGE_INTO_STARTED,
    /**
     * The timeout handler ends an expired request without claiming {@code REQ_ATOM_COMPLETE}
     * ({@code blk_rq_timed_out_timer} calls {@code blk_rq_timed_out} with no
     * {@code blk_mark_rq_complete} in front): spec 3.9 S4 and its classic bug, a driver that completes
     * while a timeout handler may also complete the request, with no COMPLETE-bit arbitration. The
     * bit came with the block layer's unified request timeout handling (v2.6.28), before which each
     * driver (SCSI's {@code scsi_delete_timer}) arbitrated by itself. A completion racing the timeout
     * then ends the request twice, or touches it after it was freed (P17).
     */
    TIMEOUT_WITHOUT_COMPLETE_CLAIM,
    /**
     * {@code __get_request} without the hard cap: a batcher allocates past 1.5 x {@code nr_requests}.
     * This is the allocator as it stood before the cap was added: v2.6.11's {@code get_request}
     * ({@code drivers/block/ll_rw_blk.c}) lets any batcher (or {@code ELV_MQUEUE_MUST}) through a
     * {@code FULL} queue with no upper bound, while v4.4's {@code __get_request} refuses everybody at
     * {@code 3 * nr_requests / 2}, because without that test "thousands of requests" could be allocated
     * whatever {@code nr_requests} says: every woken sleeper is a new batcher with 32 more. The model
     * reproduces the pre-cap rule by skipping that one test (reconstructed from the two versions of
     * the source; the commit in between is not cited). Breaks P13.
     */
    BATCHING_UNCAPPED,
    /**
     * {@code get_request} does not make its sleeper a batcher after {@code io_schedule} (no
     * {@code ioc_set_batching} there): the classic failure the kernel's comments guard against ("after
     * sleeping, we become a batching process and will be able to allocate at least one request";
     * {@code ioc_batching} "otherwise we could theoretically lose wakeups"). A free wakes the sleeper
     * (exclusive, so nobody else), another task takes the freed room and sets {@code FULL} again, and
     * the woken task, not a batcher, fails and sleeps again: the wake-up it consumed is lost, and with
     * no further free it sleeps for ever (P14). Reconstructed: v2.6.11 and v4.4 both
     * have the call.
     */
    WOKEN_SLEEPER_NOT_BATCHING
}
