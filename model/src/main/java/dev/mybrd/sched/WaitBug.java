package dev.mybrd.sched;

/**
 * Seeded bugs of the wait-queue chapter: documented deviations, each switched on explicitly where
 * the model is built ({@link WaitQueueHead#WaitQueueHead(dev.mybrd.kernel.Kernel, String, java.util.Set)},
 * {@link EventFlag#EventFlag(dev.mybrd.kernel.Kernel, String, java.util.Set)},
 * {@link Completion#Completion(dev.mybrd.kernel.Kernel, String, java.util.Set)}). The default model has
 * none. Each names the property it breaks and the check that must catch it.
 */
public enum WaitBug {
    /**
     * Test-before-register (spec 3.5, classic bug (a)): the waiter tests the condition, then calls
     * {@code prepare_to_wait} and sleeps without testing again. A wake-up that falls between the test
     * and the registration finds an empty queue and is lost; the waiter sleeps with the condition
     * true. The shape of bcache's "fix a lost wake-up problem caused by mca_cannibalize_lock"
     * (kernel-races G). Breaks P11.
     */
    TEST_BEFORE_REGISTER,
    /**
     * The waker stores the condition and checks {@code waitqueue_active()} with no {@code smp_mb()}
     * in between: the load may be satisfied before the store is visible (store buffering), while the
     * waiter, already queued and past its own barrier, reads the old condition. Both miss. KR-01,
     * 8ee1b7b9d876 "blk-mq: fix waitqueue_active without memory barrier in block/blk-mq-tag.c".
     * Breaks P11; only a weak-memory run (jcstress) can show it.
     */
    NO_WAKER_BARRIER,
    /**
     * The waiter queues itself ({@code add_wait_queue}) and then tests the condition with no full
     * barrier in between ({@code __set_current_state} instead of {@code set_current_state}): the
     * mirror image of {@link #NO_WAKER_BARRIER}. KR-10, 5266caaf5660 "blk-mq: fix IO hang from
     * sbitmap wakeup race", where a failed tag get gave no barrier after {@code __add_wait_queue}.
     * Breaks P11; only a weak-memory run (jcstress) can show it.
     */
    NO_WAITER_BARRIER,
    /**
     * {@code prepare_to_wait_exclusive} queues the entry at the head ({@code list_add}) instead of the
     * tail. {@code __wake_up_common} walks from the head and stops after {@code nr_exclusive}
     * exclusive wake-ups, so non-exclusive waiters queued behind an exclusive one are not woken. The
     * kernel documents the rule: v4.4's comment on {@code __wake_up_common} ("we wake all the
     * non-exclusive tasks and one exclusive task") relies on exclusive entries at the tail, and the
     * later comment (v5.10, {@code add_wait_queue_priority}) says a task at the head "can consume the
     * event without any other tasks being woken". Breaks P12.
     */
    EXCLUSIVE_AT_HEAD,
    /**
     * {@code abort_exclusive_wait} only unlinks the entry and never passes a wake-up on: the kernel
     * before Johannes Weiner's 777c6c5f1f6e "wait: prevent exclusive waiter starvation" (v2.6.29),
     * where an exclusive waiter that gave up on a signal just left. If a waker had already chosen it
     * (its entry was removed by {@code autoremove_wake_function}) that wake-up leaves with it, and the
     * next exclusive waiter sleeps although the resource is free. The commit saw it with
     * {@code __wait_on_bit_lock} under {@code lock_page_killable}. Breaks W1 (spec 3.5, classic bug (d)).
     */
    ABORT_WITHOUT_PASS_ON,
    /**
     * {@code wait_for_completion} tests {@code done} before it takes the wait-queue lock, as
     * {@code try_wait_for_completion}'s early {@code READ_ONCE(x->done)} does, and then queues itself
     * and sleeps without testing again. {@code try_wait_for_completion} may do that because it never
     * sleeps on the answer (v4.4's comment there says so); a sleeper may not: a {@code complete()} that
     * runs between the test and the lock finds nobody to wake, and its {@code done} is never seen. The
     * completion form of test-before-register (spec 3.5, classic bug (a)). Breaks "each
     * {@code complete()} lets one waiter through".
     */
    COMPLETION_TEST_WITHOUT_LOCK
}
