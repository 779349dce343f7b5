package dev.mybrd.workqueue;

/**
 * Seeded bugs of the workqueue model, each a documented deviation from the correct v4.4 code. None
 * is ever on by default; a check switches one on with {@link Workqueues.Config#withBug}.
 */
public enum WqBug {
    /**
     * {@code process_one_work} keeps PENDING set while the function runs and clears it only after the
     * function returned: the home-grown "flag + queue" scheme of spec 3.14's classic bugs. A
     * {@code queue_work} that arrives while the function runs finds PENDING set, returns false and
     * queues nothing, and the function has already read the state it was meant to see: that update is
     * never processed (breaks Q3).
     */
    CLEAR_PENDING_AFTER_FUNC,

    /**
     * v4.4.0 as released: {@code set_work_pool_and_clear_pending} has the {@code smp_wmb} before the
     * store that clears PENDING but no {@code smp_mb} after it, so the function's first loads may be
     * satisfied before the clear is visible. A queuer that stored new data and then saw PENDING still
     * set returns false while the function read the old data (the "ghost PENDING" blk-mq stall).
     * Fixed by 346c09f80459 "workqueue: fix ghost PENDING flag while doing MQ IO" (v4.6, Cc stable).
     * A memory-ordering bug: only jcstress can show it; Lincheck's model checker is sequentially
     * consistent.
     */
    GHOST_PENDING,

    /**
     * {@code __queue_work} before v3.7: the work is queued on the pool of the requested CPU even when it
     * is still executing on another pool, so it can run on two CPUs at once (breaks Q4), and
     * {@code flush_work}, which follows the work's last pool only, can return while the other
     * execution still runs (breaks Q6). Fixed by dbf2576e37 "workqueue: make all workqueues
     * non-reentrant" (v3.7), which added the {@code last_pool} redirection.
     */
    REENTRANT_QUEUE,

    /**
     * {@code queue_work_on} claims PENDING with {@code test_bit} followed by {@code set_bit} instead of
     * one {@code test_and_set_bit}: a check-then-act race in which two queuers both see PENDING clear
     * and both return true (breaks Q2).
     */
    NONATOMIC_TEST_AND_SET
}
