package dev.mybrd.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.WaitQueueHead;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct sbq_wait_state}: one of the {@value SbitmapQueue#SBQ_WAIT_QUEUES} wait queues of a
 * {@link SbitmapQueue} and, in the per-queue designs (up to v6.1), its {@code wait_cnt}: how many
 * more frees this queue waits for before it wakes a batch. The counter is an {@code atomic_t}: every
 * access is a VarHandle atomic ({@code atomic_read}/{@code atomic_set} opaque, the read-modify-writes
 * fully ordered as the kernel's value-returning atomics are).
 */
public final class SbqWaitState {
    private static final VarHandle WAIT_CNT;

    static {
        try {
            WAIT_CNT = MethodHandles.lookup().findVarHandle(SbqWaitState.class, "waitCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int index;
    @SuppressWarnings("unused") private int waitCnt;
    /** {@code ws->wait}. */
    final WaitQueueHead wait;

    SbqWaitState(Kernel kernel, int index, int waitCnt) {
        this.index = index;
        this.wait = new WaitQueueHead(kernel, "sbq.ws[" + index + "].wait");
        WAIT_CNT.setVolatile(this, waitCnt);
    }

    /** Its place in {@code sbq->ws[]}. */
    public int index() {
        return index;
    }

    /** {@code ws->wait}. */
    public WaitQueueHead waitQueue() {
        return wait;
    }

    /** {@code atomic_read(&ws->wait_cnt)}. */
    public int waitCnt() {
        return (int) WAIT_CNT.getOpaque(this);
    }

    /** {@code atomic_set(&ws->wait_cnt, v)}. */
    void setWaitCnt(int v) {
        WAIT_CNT.setOpaque(this, v);
    }

    /** {@code atomic_dec_return(&ws->wait_cnt)}: fully ordered. */
    int decReturn() {
        return (int) WAIT_CNT.getAndAdd(this, -1) - 1;
    }

    /** {@code atomic_cmpxchg(&ws->wait_cnt, old, new)}: the value found. */
    int cmpxchg(int old, int v) {
        return (int) WAIT_CNT.compareAndExchange(this, old, v);
    }

    @Override
    public String toString() {
        return "ws[" + index + "]";
    }
}
