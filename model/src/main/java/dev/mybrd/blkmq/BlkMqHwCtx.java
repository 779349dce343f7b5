package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * {@code struct blk_mq_hw_ctx} (v4.4 {@code include/linux/blk-mq.h}): one hardware queue. It owns
 * {@code ctxs[]}, the software queues of the CPUs in its {@code cpumask}, and {@code ctx_map}, one
 * pending bit per ctx ({@code index_hw}), set by an inserter after it appended to the ctx's list and
 * cleared by a run before it splices that list. {@code dispatch} (under {@code hctx->lock}) holds
 * requests a run took but the driver refused with BUSY. {@code state} carries
 * {@code BLK_MQ_S_STOPPED}. {@code run_work} is the kblockd work of an asynchronous run: pending or
 * not, run by whoever lets kblockd run ({@link BlkMqQueue#runPendingWork}). Tag state
 * ({@code tags}, {@code nr_active}, {@code wait_index}, {@code TAG_ACTIVE}) is the allocator's
 * {@link HctxTagState}.
 *
 * <p>v4.4 spreads {@code ctx_map} over words of {@code bits_per_word} bits on separate cache lines;
 * the model uses one 64-bit word (a machine of at most 64 CPUs), with the same atomic
 * {@code set_bit}/{@code test_and_clear_bit}. Runs of one hctx are not mutually exclusive in v4.4.
 */
public final class BlkMqHwCtx {
    /** {@code BLK_MQ_S_STOPPED}: bit 0 of {@code hctx->state}. */
    static final long BLK_MQ_S_STOPPED = 1;

    private static final VarHandle CTX_MAP;
    private static final VarHandle STATE;
    private static final VarHandle RUN_WORK;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CTX_MAP = l.findVarHandle(BlkMqHwCtx.class, "ctxMap", long.class);
            STATE = l.findVarHandle(BlkMqHwCtx.class, "state", long.class);
            RUN_WORK = l.findVarHandle(BlkMqHwCtx.class, "runWork", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int queueNum;
    final HctxTagState tagState;
    /** {@code hctx->lock}: guards {@link #dispatch}. */
    final SpinLock lock;
    final Deque<BlkMqRequest> dispatch = new ArrayDeque<>();
    /** {@code hctx->ctxs[0 .. nr_ctx)}, built by {@code blk_mq_map_swqueue} before any I/O. */
    final List<BlkMqCtx> ctxs = new ArrayList<>();
    /** {@code hctx->cpumask} as a bit set of CPU ids. */
    long cpumask;
    @SuppressWarnings("unused") private long ctxMap;
    @SuppressWarnings("unused") private long state;
    @SuppressWarnings("unused") private boolean runWork;
    /** {@code hctx->queued}, {@code hctx->run}, {@code hctx->dispatched[]} reduced to counts. */
    final java.util.concurrent.atomic.AtomicLong runs = new java.util.concurrent.atomic.AtomicLong();

    BlkMqHwCtx(Kernel kernel, int queueNum, BlkMqTags tags, boolean tagShared) {
        this.queueNum = queueNum;
        this.tagState = new HctxTagState(queueNum, tags, tagShared);
        this.lock = new SpinLock(kernel, "hctx" + queueNum + ".lock");
    }

    /** {@code hctx->queue_num}. */
    public int queueNum() {
        return queueNum;
    }

    /** The tag half: {@code hctx->tags} and its counters. */
    public HctxTagState tagState() {
        return tagState;
    }

    /** {@code hctx->run}: how many times {@code __blk_mq_run_hw_queue} got past the STOPPED check. */
    public long runsCount() {
        return runs.get();
    }

    /** {@code hctx->nr_ctx}. */
    public int nrCtx() {
        return ctxs.size();
    }

    /** {@code hctx->ctxs[i]}. */
    public BlkMqCtx ctx(int i) {
        return ctxs.get(i);
    }

    /** {@code cpumask_test_cpu(cpu, hctx->cpumask)}. */
    public boolean hasCpu(int cpu) {
        return (cpumask & (1L << cpu)) != 0;
    }

    /** {@code blk_mq_hctx_mark_pending}: {@code set_bit(ctx->index_hw, ctx_map)} unless already set. */
    void markPending(BlkMqCtx ctx) {
        long bit = 1L << ctx.indexHw;
        if (((long) CTX_MAP.getVolatile(this) & bit) == 0) {
            CTX_MAP.getAndBitwiseOr(this, bit);
        }
    }

    /** {@code clear_bit(i, ctx_map)}. */
    void clearPending(int index) {
        CTX_MAP.getAndBitwiseAnd(this, ~(1L << index));
    }

    /** The pending bits now. */
    public long ctxMap() {
        return (long) CTX_MAP.getVolatile(this);
    }

    /** {@code blk_mq_hctx_has_pending}: a pending ctx bit or a non-empty dispatch list (racy peek). */
    boolean hasPending() {
        if (ctxMap() != 0) {
            return true;
        }
        lock.lock();
        try {
            return !dispatch.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** Requests on {@code hctx->dispatch} now (takes {@code hctx->lock}). */
    public int dispatchLength() {
        lock.lock();
        try {
            return dispatch.size();
        } finally {
            lock.unlock();
        }
    }

    /** {@code test_bit(BLK_MQ_S_STOPPED, &hctx->state)}. */
    public boolean stopped() {
        return ((long) STATE.getVolatile(this) & BLK_MQ_S_STOPPED) != 0;
    }

    void setStopped() {
        STATE.getAndBitwiseOr(this, BLK_MQ_S_STOPPED);
    }

    public void clearStopped() {
        STATE.getAndBitwiseAnd(this, ~BLK_MQ_S_STOPPED);
    }

    /** {@code kblockd_schedule_delayed_work_on(cpu, &hctx->run_work, 0)}. */
    void scheduleRunWork() {
        RUN_WORK.setVolatile(this, true);
    }

    /** Claims the pending {@code run_work}: true if it was pending. */
    boolean takeRunWork() {
        return (boolean) RUN_WORK.getAndSet(this, false);
    }

    /** Whether {@code run_work} is pending. */
    public boolean runWorkPending() {
        return (boolean) RUN_WORK.getVolatile(this);
    }

    @Override
    public String toString() {
        return "hctx" + queueNum;
    }
}
