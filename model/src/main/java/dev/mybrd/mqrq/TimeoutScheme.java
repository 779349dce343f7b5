package dev.mybrd.mqrq;

/**
 * How blk-mq's timeout handler and the request's owner (issue, completion, free) agree on who
 * terminates a request: the three designs the kernel has had, each an explicitly selected variant.
 */
public enum TimeoutScheme {
    /**
     * v4.4: the atomic bits {@code REQ_ATOM_STARTED} and {@code REQ_ATOM_COMPLETE} in
     * {@code rq->atomic_flags} and a plain {@code rq->deadline}; whoever wins
     * {@code blk_mark_rq_complete} (a {@code test_and_set_bit} of COMPLETE) terminates the request.
     * Nothing ties the three values to one use of the request (KR-13).
     */
    ATOMIC_FLAGS,
    /**
     * Tejun Heo's 1d9bd5161ba3 (v4.16): a 64-bit generation + state word {@code rq->gstate}, bumped
     * each time the request goes in flight, read with {@code rq->deadline} under the seqcount
     * {@code rq->gstate_seq}; the timeout path records the expired generation in
     * {@code rq->aborted_gstate}, waits for an RCU grace period and terminates the request only if
     * the generation is unchanged; completion runs under {@code hctx_lock} (RCU) and yields if the
     * timeout path has claimed its generation. A completion that arrives while the claim stands is
     * dropped, which loses it when the driver answers {@code BLK_EH_RESET_TIMER} (KR-14).
     */
    GENERATION_RCU,
    /**
     * Keith Busch and Christoph Hellwig's 12f5b9314545 (v4.18): {@code rq->state} is
     * IDLE / IN_FLIGHT / COMPLETE, completion moves it IN_FLIGHT to COMPLETE with a
     * {@code cmpxchg}, and {@code rq->ref} keeps the request (and its tag) from being reused while
     * the timeout handler looks at it. The design of today's kernels.
     */
    REFCOUNT
}
