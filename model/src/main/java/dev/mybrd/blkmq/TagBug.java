package dev.mybrd.blkmq;

/**
 * Seeded bugs of the blk-mq tag chapter: documented deviations from v4.4's
 * {@code block/blk-mq-tag.c}, each switched on explicitly where the tags are built
 * ({@link BlkMqTags#BlkMqTags(dev.mybrd.kernel.Kernel, int, int, AllocPolicy, java.util.Set)}). The
 * default model has none. Each names the property it breaks and the check that must catch it.
 */
public enum TagBug {
    /**
     * {@code __bt_get_word} claims the bit it found with {@code test_bit} and then {@code __set_bit}
     * (a plain load and store of the whole word) instead of one {@code test_and_set_bit}: two
     * allocators that find the same zero bit both "win" it, and a plain store can also undo a
     * concurrent set or clear of another bit of the word. Spec 3.10 classic bug (a). Breaks P15 (T1):
     * two in-flight requests get the same tag.
     */
    NONATOMIC_TEST_AND_SET,
    /**
     * {@code bt_clear_tag} without the {@code smp_mb()} between {@code clear_bit} and
     * {@code bt_wake_ptr}'s lockless {@code waitqueue_active}. The store-buffering shape of KR-01: the
     * freeing CPU may read an empty wait list while its clear still sits in its store buffer, and a
     * sleeper that queued itself and retried {@code __bt_get} reads the old, full word. Both miss; the
     * sleeper sleeps with a free tag. Spec 3.10 classic bug (c). Breaks P16 (and P11). On x86
     * {@code clear_bit} is a LOCK-prefixed instruction and therefore a full barrier by itself (which is
     * why {@code smp_mb__after_atomic()} is empty there), so only a weakly ordered CPU can show it.
     */
    CLEAR_TAG_NO_BARRIER,
    /**
     * {@code blk_mq_tag_wakeup_all} without its leading {@code smp_mb()}: the state of KR-01,
     * 8ee1b7b9d876 "blk-mq: fix waitqueue_active without memory barrier in block/blk-mq-tag.c"
     * (Tatsukawa, 2015). After {@code bt_update_count} grows the depth with plain stores, the
     * {@code waitqueue_active} loads may pass those stores, while a sleeper past its
     * {@code prepare_to_wait} barrier still reads the old depth. Breaks P16 "a depth change keeps every
     * sleeper's wake-up"; a store-buffering race, so only a weak-memory run (jcstress) can show it.
     */
    WAKEUP_ALL_NO_BARRIER,
    /**
     * {@code blk_mq_tag_update_depth} changes the depth with {@code bt_update_count} but does not call
     * {@code blk_mq_tag_wakeup_all}: a task sleeping in {@code bt_get} because the map was full is not
     * told that the map grew, and nothing else wakes it while no tag is freed. Breaks P16 "a depth
     * change at run time keeps every sleeper's wake-up".
     */
    UPDATE_DEPTH_NO_WAKE,
    /**
     * {@code bt_get} retries {@code __bt_get} before it queues itself ({@code prepare_to_wait}) and
     * sleeps without retrying after: a tag freed between the last failed attempt and the registration
     * finds no sleeper ({@code bt_wake_ptr} sees no active wait queue) and the task sleeps with the tag
     * free. Spec 3.10 classic bug (c), "register after the last retry". Breaks P16.
     */
    RETRY_BEFORE_PREPARE
}
