package dev.mybrd.lincheck.sb;

import dev.mybrd.lkmm.StoreBuffers;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-01 reduced to the accesses that race, on explicit x86-TSO store buffers: a tag allocator that
 * found no free tag ({@code bt_get}) against a depth increase ({@code blk_mq_tag_update_depth}, which
 * ends in {@code blk_mq_tag_wakeup_all}). One tag of a depth-1 map is in use.
 *
 * <p>{@link #btGet} on CPU 1: {@code prepare_to_wait} queues the task (a store to the wait list under
 * the wait-queue lock) and {@code set_current_state} is a full barrier; then the tags are tried again
 * with the current depth: a depth above 1 means a free tag, otherwise the task sleeps.
 * {@link #updateDepth} on CPU 0: stores the new depth, then, with or without 8ee1b7b9d876's
 * {@code smp_mb()}, looks at the wait list without its lock ({@code waitqueue_active}) and wakes a
 * sleeper if there is one.
 *
 * <p>One after the other, either the update comes first (the allocator sees depth 2 and does not
 * sleep) or the allocator does (it sleeps and the update wakes it). {@link #noLostWakeUp} fails on
 * the third outcome, a task asleep that nobody will wake: it needs the update's depth store still in
 * CPU 0's store buffer when CPU 1 reads the depth, which the missing barrier allows.
 */
public abstract class TagWakeupAll {
    private final StoreBuffers mem = new StoreBuffers(2, "bt->depth", "bs->wait.task_list");
    private static final String DEPTH = "bt->depth";
    private static final String WAIT_LIST = "bs->wait.task_list";
    private volatile boolean woke;
    private volatile boolean slept;

    protected TagWakeupAll() {
        mem.init(DEPTH, 1);
    }

    protected abstract boolean barrierBeforeWaitqueueActive();

    /** {@code blk_mq_tag_update_depth(tags, 2)} on CPU 0. */
    @Operation
    public void updateDepth() {
        mem.store(0, DEPTH, 2);
        if (barrierBeforeWaitqueueActive()) {
            mem.smpMb(0);
        }
        woke = mem.load(0, WAIT_LIST) != 0; // waitqueue_active(&bs->wait): wake_up() if true
        mem.drain(0);
    }

    /** {@code bt_get} on CPU 1 after its fast path failed. */
    @Operation
    public void btGet() {
        mem.lockedAdd(1, WAIT_LIST, 0); // spin_lock_irqsave(&bs->wait.lock): a locked instruction
        mem.store(1, WAIT_LIST, 1);     // __add_wait_queue
        mem.smpMb(1);                  // set_current_state(): smp_store_mb
        slept = mem.load(1, DEPTH) <= 1; // __bt_get finds no free tag: io_schedule()
        mem.drain(1);
    }

    @Validate
    public void noLostWakeUp() {
        if (slept && !woke) {
            throw new IllegalStateException("lost wake-up: bt_get sleeps with depth 1 while the new depth 2 is"
                    + " still in CPU 0's store buffer, and blk_mq_tag_update_depth saw no waiter; " + mem);
        }
    }

    /** v4.4 before 8ee1b7b9d876: no barrier before the lockless {@code waitqueue_active}. */
    public static class NoBarrier extends TagWakeupAll {
        @Override
        protected boolean barrierBeforeWaitqueueActive() {
            return false;
        }
    }

    /** 8ee1b7b9d876: {@code smp_mb()} before {@code waitqueue_active}. */
    public static class WithBarrier extends TagWakeupAll {
        @Override
        protected boolean barrierBeforeWaitqueueActive() {
            return true;
        }
    }
}
