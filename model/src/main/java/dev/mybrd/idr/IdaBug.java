package dev.mybrd.idr;

/**
 * Seeded bugs of the IDA chapter: documented deviations, each switched on explicitly through
 * {@link Ida.Config#withBug}; the default model has none. All are the classic misuses listed in spec
 * section 3.12, and each names the property it breaks.
 */
public enum IdaBug {
    /**
     * {@code ida_simple_get} calls {@code ida_get_new_above} (and the {@code ida_remove} of an id past
     * {@code end}) without {@code simple_ida_lock}. Two callers read the same bitmap word, both find
     * the same clear bit and both return its id. Breaks P23 (ids are unique).
     */
    GET_WITHOUT_LOCK,
    /**
     * {@code ida_simple_remove} calls {@code ida_remove} without {@code simple_ida_lock}. Its
     * {@code __clear_bit} and a concurrent allocation's {@code __set_bit} are non-atomic
     * read-modify-writes of the same word: one undoes the other, so a freed id stays taken or an
     * allocated id is handed out again. Breaks P23.
     */
    REMOVE_WITHOUT_LOCK,
    /**
     * {@code ida_simple_get} never calls {@code ida_pre_get}: {@code ida_get_new_above} finds no
     * preallocated layer or bitmap and answers {@code -EAGAIN} forever. The model bounds the retry
     * loop and reports the livelock. Breaks D5 (the {@code -EAGAIN} loop terminates).
     */
    NO_PRE_GET,
    /**
     * {@code ida_pre_get} called with {@code simple_ida_lock} held: its allocations may sleep
     * ({@code GFP_KERNEL}), which is sleeping in atomic context. Breaks P25.
     */
    PRE_GET_UNDER_LOCK,
    /**
     * {@code blk_alloc_queue_node}'s error path after {@code q->id} was allocated skips
     * {@code ida_simple_remove(&blk_queue_ida, q->id)} (v4.4 has it, at {@code fail_id}): every failed
     * queue allocation leaks an id. Breaks D3 (at quiescence the ids held are those of live queues).
     */
    QUEUE_ID_LEAK_ON_ERROR
}
