package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.WaitQueueHead;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct bt_wait_state} of v4.4's {@code block/blk-mq-tag.h}: one of the
 * {@value BlkMqBitmapTags#BT_WAIT_QUEUES} wait queues of a bitmap and its countdown of frees,
 * {@code wait_cnt} ({@code atomic_t}, initially {@code wake_cnt}). {@code bt_clear_tag} decrements
 * the countdown of the first wait state with sleepers; the free that brings it to 0 refills it and
 * wakes the whole queue. Sleepers queue non-exclusively ({@code prepare_to_wait}), so that
 * {@code wake_up} wakes every one of them (spec 3.10 classic bug (h): a thundering herd).
 *
 * <p>{@code wait_cnt} is only changed by atomic RMWs ({@code atomic_dec_return},
 * {@code atomic_inc_return}: fully ordered; {@code atomic_add}, {@code atomic_set}: unordered).
 */
public final class BtWaitState {
    private static final VarHandle WAIT_CNT;

    static {
        try {
            WAIT_CNT = MethodHandles.lookup().findVarHandle(BtWaitState.class, "waitCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private int waitCnt;
    private final WaitQueueHead wait;

    BtWaitState(Kernel kernel, String name, int wakeCnt) {
        this.wait = new WaitQueueHead(kernel, name);
        WAIT_CNT.setOpaque(this, wakeCnt); // atomic_set in bt_alloc, before the map is published
    }

    /** {@code bs->wait}. */
    public WaitQueueHead waitQueue() {
        return wait;
    }

    /** {@code atomic_read(&bs->wait_cnt)}. */
    public int waitCnt() {
        return (int) WAIT_CNT.getOpaque(this);
    }

    /** {@code atomic_dec_return(&bs->wait_cnt)}. */
    int decReturn() {
        return (int) WAIT_CNT.getAndAdd(this, -1) - 1;
    }

    /** {@code atomic_inc_return(&bs->wait_cnt)}. */
    int incReturn() {
        return (int) WAIT_CNT.getAndAdd(this, 1) + 1;
    }

    /** {@code atomic_add(n, &bs->wait_cnt)}: atomic, unordered. */
    void add(int n) {
        WAIT_CNT.getAndAddRelease(this, n); // the weakest atomic add a VarHandle offers
    }

    @Override
    public String toString() {
        return wait.name() + "{wait_cnt=" + waitCnt() + (wait.waitqueueActive() ? ", sleepers" : "") + "}";
    }
}
