package dev.mybrd.sbitmap;

import dev.mybrd.sched.WaitQueueEntry;
import java.util.Objects;

/**
 * {@code struct sbq_wait} ({@code DEFINE_SBQ_WAIT}): a wait-queue entry and the
 * {@code sbitmap_queue} it is counted in ({@code sbq}, null while it is not counted in
 * {@code ws_active}). Owned by one waiter, which alone changes {@code sbq}.
 */
public final class SbqWait {
    final WaitQueueEntry wait;
    SbitmapQueue sbq;

    /** An entry for the current task ({@code DEFINE_SBQ_WAIT}: {@code autoremove_wake_function}). */
    public SbqWait(WaitQueueEntry wait) {
        this.wait = Objects.requireNonNull(wait, "wait queue entry");
    }

    public WaitQueueEntry entry() {
        return wait;
    }

    /** Whether it is counted in a queue's {@code ws_active}. */
    public boolean counted() {
        return sbq != null;
    }
}
