package dev.mybrd.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;

/**
 * {@code struct sbitmap_queue} of the later kernels' {@code lib/sbitmap.c}: an {@link Sbitmap} of tags
 * plus the machinery that wakes tasks waiting for a free tag. This package is <b>not</b> v4.4 (v4.4's
 * {@code blk-mq-tag.c} has its own {@code bt_wait_state} code, the ancestor of this one); it models the
 * v5.x/v6.x mechanism for the project's race catalog, with the code before and after each fix as a
 * {@link WakeUp} variant, so that each race runs on the code that had it.
 *
 * <p><b>Waiting.</b> A task that finds no free tag picks one of {@value #SBQ_WAIT_QUEUES} wait queues
 * round-robin ({@code sbq_wait_ptr} over its hardware queue's {@code wait_index}), counts itself in
 * {@code ws_active}, queues itself exclusively ({@code sbitmap_prepare_to_wait}), tries once more and
 * sleeps. Every free ({@code sbitmap_queue_clear}) releases the bit, issues a full barrier (pairing
 * with the one in {@code set_current_state}) and calls {@code sbitmap_queue_wake_up}.
 *
 * <p><b>Waking in batches.</b> Waking one task per free would thrash; instead {@code wake_batch}
 * ({@code depth / 8}, clamped to 1..8) frees wake {@code wake_batch} waiters of one queue, and the
 * next batch goes to the next queue ({@code wake_index}). The invariant every design must keep (Jan
 * Kara's wording for KR-07): a waiter that queued itself while all tags were in use will see enough
 * frees after it to be woken; no free may be lost to the count. The designs:
 * <ul>
 * <li>{@link WakeUp#CMPXCHG_RESET}, v5.x up to v5.19 (the code 040b83fcecfb replaced): a per-queue {@code wait_cnt} counts frees down; the
 *     free that takes it to 0 resets it with {@code cmpxchg}, advances {@code wake_index} and wakes.
 *     KR-04: the reset comes before the wake, so a second waker can count the fresh batch down to 0
 *     and advance the index too; the first then advances it again, skipping a queue, and wakes its
 *     old queue, now empty. Two batches of frees, one batch of wake-ups.</li>
 * <li>{@link WakeUp#WAKE_FIRST}, 040b83fcecfb ("sbitmap: fix possible io hung due to lost wakeup",
 *     v6.0): wake first, then advance the index, then reset the count; a waker that counts below 0 or
 *     finds the queue empty retries on another queue. Its {@code sbitmap_queue_wake_up} takes no
 *     count, so a batched completion of n tags counts as one free (KR-05).</li>
 * <li>{@link WakeUp#BATCHED}, 4acb83417cad ("sbitmap: fix batched wait_cnt accounting", v6.0) with
 *     48c033314f37's reset-even-if-nobody-woke: frees are subtracted n at a time with a
 *     {@code cmpxchg} loop, and a queue whose count is 0 makes the waker retry. KR-06: a waker
 *     interrupted between the count reaching 0 and its reset leaves a count of 0 on a queue that still
 *     has waiters; an interrupt handler on the same CPU freeing a tag retries for ever: hard lockup.</li>
 * <li>{@link WakeUp#SKIP_ZERO_CNT}, 30514bd2dd4e ("sbitmap: fix lockup while swapping", v6.1):
 *     {@code sbq_wake_ptr} skips a queue whose count is 0. No lockup, but the skipping free is lost
 *     when that queue is the only one with waiters, as its author says (KR-07's buggy side).</li>
 * <li>{@link WakeUp#COUNTERS}, 4f8126bb2308 ("sbitmap: Use single per-bitmap counting to wake up
 *     queued tags", v6.2) as completed in v6.2 by its follow-ups ("wait: Return number of exclusive
 *     waiters awaken", "sbitmap: Advance the queue index before waking up a queue", "sbitmap: Try
 *     each queue to wake up at least one waiter"): two bitmap-wide counters, {@code completion_cnt}
 *     and {@code wakeup_cnt}; a waker claims a whole batch with a {@code cmpxchg} on
 *     {@code wakeup_cnt} and wakes the first queue that yields a waiter. No per-queue state can be
 *     left half-updated, and each batch of frees is claimed exactly once.</li>
 * </ul>
 * The stored source read for this model is {@code lib/sbitmap.c} at 040b83fcecfb; the other variants
 * follow the commits' diffs as posted to linux-block (KR-04's old lines, KR-06's hunks) and, where
 * marked, memory (4acb83417cad's loop, 4f8126bb2308 and its follow-ups).
 *
 * <p><b>Bounded.</b> The per-queue designs retry {@code __sbq_wake_up} in a loop; past
 * {@value #LOCKUP_BOUND} retries in one call the model reports a hard lockup (the NMI watchdog's
 * report) naming the queue, instead of spinning. Bad input (a tag outside the depth) is refused
 * before anything changes.
 */
public final class SbitmapQueue {
    /** {@code SBQ_WAIT_QUEUES}. */
    public static final int SBQ_WAIT_QUEUES = 8;
    /** {@code SBQ_WAKE_BATCH}: the largest batch. */
    public static final int SBQ_WAKE_BATCH = 8;
    /** Retries of {@code __sbq_wake_up} in one {@code sbitmap_queue_wake_up} before the watchdog fires. */
    public static final int LOCKUP_BOUND = 1000;

    /** Which kernel's {@code sbitmap_queue_wake_up} runs. */
    public enum WakeUp {
        /** Up to v5.19: reset {@code wait_cnt} by {@code cmpxchg}, advance the index, then wake (KR-04's bug). */
        CMPXCHG_RESET,
        /** 040b83fcecfb (v6.0): wake, advance the index, reset; one decrement per call (KR-05's bug). */
        WAKE_FIRST,
        /** 4acb83417cad + 48c033314f37 (v6.0): subtract n frees; a count of 0 means retry (KR-06's bug). */
        BATCHED,
        /** 30514bd2dd4e (v6.1): {@code sbq_wake_ptr} skips a queue whose count is 0 (lost wake-ups, KR-07). */
        SKIP_ZERO_CNT,
        /** 4f8126bb2308 and its v6.2 follow-ups: {@code completion_cnt}/{@code wakeup_cnt}, the current design. */
        COUNTERS
    }

    /**
     * {@code hctx->wait_index}: where the waiters of one hardware queue start their round-robin over
     * the wait queues ({@code bt_wait_ptr}).
     */
    public static final class WaitIndex {
        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(WaitIndex.class, "value", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") private int value;

        /** {@code atomic_read}. */
        public int get() {
            return (int) VALUE.getOpaque(this);
        }
    }

    private static final VarHandle WAKE_BATCH;
    private static final VarHandle WAKE_INDEX;
    private static final VarHandle WS_ACTIVE;
    private static final VarHandle COMPLETION_CNT;
    private static final VarHandle WAKEUP_CNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAKE_BATCH = l.findVarHandle(SbitmapQueue.class, "wakeBatch", int.class);
            WAKE_INDEX = l.findVarHandle(SbitmapQueue.class, "wakeIndex", int.class);
            WS_ACTIVE = l.findVarHandle(SbitmapQueue.class, "wsActive", int.class);
            COMPLETION_CNT = l.findVarHandle(SbitmapQueue.class, "completionCnt", int.class);
            WAKEUP_CNT = l.findVarHandle(SbitmapQueue.class, "wakeupCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final Sbitmap sb;
    private final WakeUp variant;
    private final SbqWaitState[] ws = new SbqWaitState[SBQ_WAIT_QUEUES];
    @SuppressWarnings("unused") private int wakeBatch;
    @SuppressWarnings("unused") private int wakeIndex;
    @SuppressWarnings("unused") private int wsActive;
    @SuppressWarnings("unused") private int completionCnt;
    @SuppressWarnings("unused") private int wakeupCnt;

    /**
     * {@code sbitmap_queue_init_node(sbq, depth, -1, false, ...)}: {@code depth} tags in words sized
     * by {@link Sbitmap#calculateShift}, {@code wake_batch} from the depth, every {@code wait_cnt} at
     * {@code wake_batch}.
     */
    public SbitmapQueue(Kernel kernel, int depth, Sbitmap.DeferredClear clear, WakeUp variant) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.variant = Objects.requireNonNull(variant, "variant");
        this.sb = new Sbitmap(kernel, depth, Sbitmap.calculateShift(depth), clear);
        int batch = calcWakeBatch(depth, sb.shift());
        WAKE_BATCH.setVolatile(this, batch);
        for (int i = 0; i < SBQ_WAIT_QUEUES; i++) {
            ws[i] = new SbqWaitState(kernel, i, batch);
        }
    }

    /**
     * {@code sbq_calc_wake_batch}: enough that the whole depth, {@code SBQ_WAIT_QUEUES} batches of
     * it, can wake every queue; {@code depth / 8} clamped to 1..{@value #SBQ_WAKE_BATCH}. (No
     * shallow depth is set, so the shallow limit is a whole word and the depth is unchanged.)
     */
    static int calcWakeBatch(int depth, int shift) {
        int shallow = 1 << shift;
        int effective = (depth >> shift) * shallow + Math.min(depth & ((1 << shift) - 1), shallow);
        return Math.max(1, Math.min(effective / SBQ_WAIT_QUEUES, SBQ_WAKE_BATCH));
    }

    public Sbitmap sbitmap() {
        return sb;
    }

    public WakeUp variant() {
        return variant;
    }

    /** {@code READ_ONCE(sbq->wake_batch)}. */
    public int wakeBatch() {
        return (int) WAKE_BATCH.getOpaque(this);
    }

    /** {@code atomic_read(&sbq->wake_index)}. */
    public int wakeIndex() {
        return (int) WAKE_INDEX.getOpaque(this);
    }

    /** {@code atomic_read(&sbq->ws_active)}. */
    public int wsActive() {
        return (int) WS_ACTIVE.getOpaque(this);
    }

    /** {@code &sbq->ws[i]}. */
    public SbqWaitState ws(int i) {
        if (i < 0 || i >= SBQ_WAIT_QUEUES) {
            throw new IllegalArgumentException("sbq: no wait queue " + i);
        }
        return ws[i];
    }

    public List<SbqWaitState> waitStates() {
        return List.of(ws);
    }

    // ---- getting and putting tags -------------------------------------------------------------------

    /** {@code __sbitmap_queue_get(sbq)}: a tag, or -1. */
    public int get() {
        return sb.get();
    }

    /**
     * {@code sbitmap_queue_clear(sbq, nr, cpu)}: free tag {@code nr} into the deferred mask, then a
     * full barrier (pairs with {@code set_current_state} in the waiter: either the waker sees the
     * waiter queued or the waiter's retry sees the free bit), then wake. The kernel's last step,
     * moving {@code cpu}'s allocation hint to the freed tag, is left out with the hints.
     */
    public void clear(int nr) {
        sb.checkBit(nr);
        VarHandle.fullFence(); // smp_mb__before_atomic(): the request is done with before the bit is
        sb.deferredClearBit(nr);
        VarHandle.fullFence(); // smp_mb__after_atomic()
        wakeUp(1);
    }

    /**
     * {@code sbitmap_queue_clear_batch(sbq, offset, tags, nr_tags)}: free several tags at once
     * (batched completions, v5.16+), straight into {@code word}, then one wake-up call. Before
     * 4acb83417cad that call is {@code sbitmap_queue_wake_up(sbq)}, which counts one free however many
     * tags were freed; after it, {@code sbitmap_queue_wake_up(sbq, nr_tags)}.
     */
    public void clearBatch(int... tags) {
        if (tags.length == 0) {
            throw new IllegalArgumentException("sbitmap_queue_clear_batch: no tags");
        }
        for (int tag : tags) {
            sb.checkBit(tag);
        }
        VarHandle.fullFence(); // smp_mb__before_atomic()
        int index = -1;
        long mask = 0;
        for (int tag : tags) {
            int i = sb.indexOf(tag);
            if (index != -1 && i != index) {
                sb.clearWordBits(index, mask);
                mask = 0;
            }
            index = i;
            mask |= sb.bitOf(tag);
        }
        sb.clearWordBits(index, mask);
        VarHandle.fullFence(); // smp_mb__after_atomic()
        wakeUp(tags.length);
    }

    // ---- waiting ------------------------------------------------------------------------------------

    /**
     * {@code sbq_wait_ptr(sbq, wait_index)}: the queue at {@code *wait_index}, and move
     * {@code *wait_index} on ({@code sbq_index_atomic_inc}).
     */
    public SbqWaitState waitPtr(WaitIndex waitIndex) {
        SbqWaitState w = ws[waitIndex.get()];
        indexAtomicInc(WaitIndex.VALUE, waitIndex);
        return w;
    }

    /**
     * {@code sbitmap_prepare_to_wait(sbq, ws, sbq_wait, state)}: count the waiter in
     * {@code ws_active} once, then {@code prepare_to_wait_exclusive} (queue at the tail, set the
     * state, full barrier).
     */
    public void prepareToWait(SbqWaitState w, SbqWait sbqWait, int state) {
        countActive(sbqWait);
        w.wait.prepareToWaitExclusive(sbqWait.wait, state);
    }

    /** {@code sbitmap_finish_wait(sbq, ws, sbq_wait)}: {@code finish_wait}, then uncount the waiter. */
    public void finishWait(SbqWaitState w, SbqWait sbqWait) {
        w.wait.finishWait(sbqWait.wait);
        if (sbqWait.sbq != null) {
            WS_ACTIVE.getAndAdd(this, -1);
            sbqWait.sbq = null;
        }
    }

    /**
     * The state {@code sbitmap_prepare_to_wait} leaves for a waiter that then sleeps, for an entry with
     * its own wake function ({@code init_waitqueue_func_entry}) that stands for the sleeping task:
     * counted in {@code ws_active} and queued exclusively at the tail of {@code ws->wait}. Checks whose
     * property is "which waiters did the frees wake" use it to keep sleeping threads out of the run.
     */
    public void queueWaiter(SbqWaitState w, SbqWait sbqWait) {
        countActive(sbqWait);
        w.wait.addWaitQueueExclusive(sbqWait.wait);
    }

    private void countActive(SbqWait sbqWait) {
        if (sbqWait.sbq == null) {
            WS_ACTIVE.getAndAdd(this, 1);
            sbqWait.sbq = this;
        }
    }

    // ---- waking -------------------------------------------------------------------------------------

    /** {@code sbitmap_queue_wake_up(sbq[, nr])}: {@code nr} tags were freed. */
    public void wakeUp(int nr) {
        switch (variant) {
            case CMPXCHG_RESET -> retry(() -> wakeUpCmpxchgReset());
            case WAKE_FIRST -> retry(() -> wakeUpWakeFirst());
            case BATCHED, SKIP_ZERO_CNT -> {
                int[] left = {nr};
                retry(() -> wakeUpBatched(left));
            }
            case COUNTERS -> wakeUpCounters(nr);
            default -> throw new IllegalStateException(variant.toString());
        }
    }

    /** {@code while (__sbq_wake_up(...));}, bounded by the watchdog. */
    private void retry(java.util.function.BooleanSupplier sbqWakeUp) {
        for (int n = 0; sbqWakeUp.getAsBoolean(); n++) {
            if (n == LOCKUP_BOUND) {
                throw new KernelBug("watchdog: hard LOCKUP on CPU" + kernel.smpProcessorId() + " ("
                        + kernel.thisCpu().context() + "): sbitmap_queue_wake_up retried " + n + " times; "
                        + describeQueues());
            }
        }
    }

    /**
     * {@code sbq_wake_ptr(sbq)}: from {@code wake_index}, the first queue with waiters (and, since
     * 30514bd2dd4e, a non-zero {@code wait_cnt}); moves {@code wake_index} there. Null if none.
     */
    private SbqWaitState wakePtr() {
        if (wsActive() == 0) {
            return null;
        }
        int wakeIndex = wakeIndex();
        for (int i = 0; i < SBQ_WAIT_QUEUES; i++) {
            SbqWaitState w = ws[wakeIndex];
            if (w.wait.waitqueueActive() && (variant != WakeUp.SKIP_ZERO_CNT || w.waitCnt() != 0)) {
                if (wakeIndex != wakeIndex()) {
                    WAKE_INDEX.setOpaque(this, wakeIndex);
                }
                return w;
            }
            wakeIndex = indexInc(wakeIndex);
        }
        return null;
    }

    /** Up to v5.19, {@code __sbq_wake_up}: count down; the one reaching 0 resets, advances, wakes. */
    private boolean wakeUpCmpxchgReset() {
        SbqWaitState w = wakePtr();
        if (w == null) {
            return false;
        }
        int waitCnt = w.decReturn();
        if (waitCnt <= 0) {
            int batch = wakeBatch();
            VarHandle.fullFence(); // smp_mb__before_atomic(): pairs with the resize's barrier
            int found = w.cmpxchg(waitCnt, batch);
            if (found == waitCnt) {
                indexAtomicInc(WAKE_INDEX, this);
                w.wait.wakeUpNr(batch);
                return false;
            }
            return true; // lost the cmpxchg: wake a batch on another queue
        }
        return false;
    }

    /** 040b83fcecfb {@code __sbq_wake_up}: wake first, then advance the index, then reset the count. */
    private boolean wakeUpWakeFirst() {
        SbqWaitState w = wakePtr();
        if (w == null) {
            return false;
        }
        int waitCnt = w.decReturn();
        if (waitCnt < 0 || !w.wait.waitqueueActive()) {
            return true;
        }
        if (waitCnt > 0) {
            return false;
        }
        int batch = wakeBatch();
        w.wait.wakeUpNr(batch);
        VarHandle.fullFence(); // smp_mb__before_atomic()
        indexAtomicInc(WAKE_INDEX, this);
        w.setWaitCnt(batch);
        return false;
    }

    /**
     * 4acb83417cad {@code __sbq_wake_up(sbq, &nr)} (with 48c033314f37's reset): subtract up to
     * {@code nr} frees from the count with a {@code cmpxchg} loop; a count already 0 means someone
     * else is waking this queue, so retry. Whoever takes it to 0 wakes, advances the index and resets
     * the count, even if nobody was left to wake.
     */
    private boolean wakeUpBatched(int[] nr) {
        if (nr[0] <= 0) {
            return false;
        }
        SbqWaitState w = wakePtr();
        if (w == null) {
            return false;
        }
        int cur = w.waitCnt();
        int sub;
        int waitCnt;
        while (true) {
            if (cur == 0) {
                return true;
            }
            sub = Math.min(nr[0], cur);
            waitCnt = cur - sub;
            int found = w.cmpxchg(cur, waitCnt);
            if (found == cur) {
                break;
            }
            cur = found;
        }
        if (waitCnt > 0) {
            return !w.wait.waitqueueActive();
        }
        nr[0] -= sub;
        boolean ret = !w.wait.waitqueueActive();
        int batch = wakeBatch();
        w.wait.wakeUpNr(batch); // spin_unlock_irqrestore inside: an interrupt can land here (KR-06)
        VarHandle.fullFence(); // smp_mb__before_atomic()
        indexAtomicInc(WAKE_INDEX, this);
        w.setWaitCnt(batch);
        return ret || nr[0] != 0;
    }

    /**
     * v6.2 {@code sbitmap_queue_wake_up(sbq, nr)}: add the frees to {@code completion_cnt}; while at
     * least a batch of them is unclaimed ({@code completion_cnt - wakeup_cnt >= wake_batch}), claim
     * one with a {@code cmpxchg} on {@code wakeup_cnt}, then wake a batch on the first queue that
     * yields a waiter.
     */
    private void wakeUpCounters(int nr) {
        int batch = wakeBatch();
        if (wsActive() == 0) {
            return;
        }
        COMPLETION_CNT.getAndAdd(this, nr);
        int wakeups = (int) WAKEUP_CNT.getOpaque(this);
        while (true) {
            if ((int) COMPLETION_CNT.getOpaque(this) - wakeups < batch) {
                return;
            }
            int found = (int) WAKEUP_CNT.compareAndExchange(this, wakeups, wakeups + batch);
            if (found == wakeups) {
                break;
            }
            wakeups = found;
        }
        wakeOneQueue(batch);
    }

    /**
     * v6.2 {@code __sbitmap_queue_wake_up(sbq, nr)}: from {@code wake_index}, advance the index past
     * each queue tried and stop at the first whose {@code wake_up_nr} woke someone.
     */
    private void wakeOneQueue(int nr) {
        if (wsActive() == 0) {
            return;
        }
        int wakeIndex = wakeIndex();
        for (int i = 0; i < SBQ_WAIT_QUEUES; i++) {
            SbqWaitState w = ws[wakeIndex];
            wakeIndex = indexInc(wakeIndex);
            if (w.wait.waitqueueActive() && w.wait.wakeUpNrCounted(nr) > 0) {
                break;
            }
        }
        if (wakeIndex != wakeIndex()) {
            WAKE_INDEX.setOpaque(this, wakeIndex);
        }
    }

    /** {@code atomic_read(&sbq->completion_cnt)} (v6.2+). */
    public int completionCnt() {
        return (int) COMPLETION_CNT.getOpaque(this);
    }

    /** {@code atomic_read(&sbq->wakeup_cnt)} (v6.2+). */
    public int wakeupCnt() {
        return (int) WAKEUP_CNT.getOpaque(this);
    }

    /** {@code sbq_index_inc(index)}. */
    private static int indexInc(int index) {
        return (index + 1) & (SBQ_WAIT_QUEUES - 1);
    }

    /** {@code sbq_index_atomic_inc(index)}: one {@code cmpxchg}; if it loses, someone else moved it. */
    private static void indexAtomicInc(VarHandle handle, Object holder) {
        int old = (int) handle.getOpaque(holder);
        handle.compareAndSet(holder, old, indexInc(old));
    }

    /** The queues' counts and waiters, for reports. */
    public String describeQueues() {
        StringBuilder b = new StringBuilder("wake_index=" + wakeIndex() + " ws_active=" + wsActive());
        for (SbqWaitState w : ws) {
            if (w.wait.waitqueueActive() || w.waitCnt() != wakeBatch()) {
                b.append(", ").append(w).append(" wait_cnt=").append(w.waitCnt())
                        .append(w.wait.waitqueueActive() ? " (waiters)" : " (empty)");
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "sbitmap_queue(" + sb + ", wake_batch=" + wakeBatch() + ", " + variant + ")";
    }
}
