package dev.mybrd.lincheck.sb;

import dev.mybrd.lkmm.StoreBuffers;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-10 reduced to the accesses that race, on explicit x86-TSO store buffers: a dispatcher that could
 * not get a driver tag and registers for a wake-up ({@code blk_mq_mark_tag_wait}) against a
 * completion that frees the only tag ({@code sbitmap_queue_clear}, then the lockless
 * {@code waitqueue_active} in {@code sbitmap_queue_wake_up}).
 *
 * <p>{@link #markTagWait} on CPU 1: adds its wait entry under the wait-queue lock, then retries the
 * driver tag. A failed {@code test_and_set_bit} needs no locked instruction (the bit is seen set and
 * nothing is written), so before 5266caaf5660 nothing orders the retry's load of the tag word after
 * the add: the add and the lock release can still sit in the store buffer. {@link #putTag} on CPU 0:
 * clears the tag bit, full barrier ({@code smp_mb__after_atomic}), then wakes a waiter if the wait
 * list is non-empty.
 *
 * <p>One after the other, either the tag is freed first (the retry gets it) or the waiter registers
 * first (and is woken). {@link #noLostWakeUp} fails on the hang: the waiter saw the tag busy and the
 * completion saw no waiter.
 */
public abstract class MarkTagWait {
    private final StoreBuffers mem = new StoreBuffers(2, "sb->map[0].word", "ws->wait.head");
    private static final String WORD = "sb->map[0].word";
    private static final String WAIT_LIST = "ws->wait.head";
    private volatile boolean waits;
    private volatile boolean woke;

    protected MarkTagWait() {
        mem.init(WORD, 1); // the only tag is in use
    }

    protected abstract boolean barrierAfterAdd();

    /** {@code blk_mq_mark_tag_wait} on CPU 1. */
    @Operation
    public void markTagWait() {
        mem.lockedAdd(1, WAIT_LIST, 0); // spin_lock(&wq->lock)
        mem.store(1, WAIT_LIST, 1);     // __add_wait_queue(wq, wait)
        if (barrierAfterAdd()) {
            mem.smpMb(1);              // 5266caaf5660
        }
        waits = mem.load(1, WORD) != 0; // blk_mq_get_driver_tag fails: the bit is still set
        mem.drain(1);
    }

    /** {@code blk_mq_put_driver_tag} on CPU 0. */
    @Operation
    public void putTag() {
        mem.lockedAdd(0, WORD, -1);    // clear_bit on x86 is a locked instruction
        mem.smpMb(0);                  // smp_mb__after_atomic()
        woke = mem.load(0, WAIT_LIST) != 0; // sbitmap_queue_wake_up: waitqueue_active()
        mem.drain(0);
    }

    @Validate
    public void noLostWakeUp() {
        if (waits && !woke) {
            throw new IllegalStateException("IO hang: blk_mq_mark_tag_wait read the tag busy with its wait-queue add"
                    + " still in CPU 1's store buffer, and the tag's release saw an empty wait queue; " + mem);
        }
    }

    /** Before 5266caaf5660. */
    public static class NoBarrier extends MarkTagWait {
        @Override
        protected boolean barrierAfterAdd() {
            return false;
        }
    }

    /** 5266caaf5660: {@code smp_mb()} after adding to the wait queue. */
    public static class WithBarrier extends MarkTagWait {
        @Override
        protected boolean barrierAfterAdd() {
            return true;
        }
    }
}
