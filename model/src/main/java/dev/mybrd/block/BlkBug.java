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
    TIMEOUT_WITHOUT_COMPLETE_CLAIM
}
