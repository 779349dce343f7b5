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
    MERGE_INTO_STARTED
}
