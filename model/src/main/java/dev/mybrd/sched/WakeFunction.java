package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;

/**
 * {@code wait_queue_func_t}: what {@code __wake_up_common} calls for each entry of a wait queue, with
 * the queue's lock held. It answers whether it woke a waiter: only then does the entry count against
 * the {@code nr_exclusive} budget of the wake-up. The kernel's {@code wake_flags} and {@code key}
 * arguments are left out; no wake function of this model uses them.
 */
@FunctionalInterface
public interface WakeFunction {
    /** Wakes the waiter of {@code wait} if it sleeps in one of the {@code mode} states; true if it did. */
    boolean wake(Kernel kernel, WaitQueueEntry wait, int mode);
}
