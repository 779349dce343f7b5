package dev.mybrd.mqrq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A hardware queue that could not get a driver tag for its next request, waiting for one on a
 * tag set shared with other devices (KR-02): {@code blk_mq_dispatch_rq_list} with its
 * "no driver tag" path, the hctx's {@code dispatch_wait} entry on the tags' wait queue,
 * {@code blk_mq_dispatch_wake}, and the re-run decision made after leftover requests are put back
 * on {@code hctx->dispatch}.
 *
 * <p><b>The protocol.</b> When {@code blk_mq_get_driver_tag} fails, the hctx queues its
 * {@code dispatch_wait} entry on the tags' wait queue; the next tag free calls
 * {@code blk_mq_dispatch_wake}, which unqueues the entry and runs the hctx ({@code kblockd} work).
 * The dispatcher then puts the request back on {@code hctx->dispatch}. That run can come before the
 * request is back: it finds nothing and the request must be run by someone else. Before
 * eb619fdb2d4c ({@link Variant#TAG_WAITING_BIT}, v4.15-rc), the dispatcher re-ran the queue only if
 * {@code SCHED_RESTART} was clear and {@code BLK_MQ_S_TAG_WAITING} was clear; with
 * {@code SCHED_RESTART} set (the run began with requests on {@code hctx->dispatch}) and the device
 * holding no request of its own, nobody re-runs it: the I/O hangs until something else runs the
 * queue. eb619fdb2d4c ({@link Variant#RERUN_IF_WAIT_GONE}) drops the {@code TAG_WAITING} bit, queues
 * the entry under {@code hctx->lock} ({@code blk_mq_mark_tag_wait}) and re-runs the queue after
 * the put-back whenever it failed for a tag and its entry is no longer queued: the awaited tag was
 * freed in the window.
 *
 * <p>Reductions: the shared tag set has one tag, held at first by another device's request; the
 * hctx has one request to dispatch and no scheduler requests; {@code blk_mq_run_hw_queue(hctx,
 * true)} queues the {@code kblockd} work (a pending flag) and whoever requested it runs it right
 * after, as a kworker on that CPU may; the wait queue holds only this hctx's entry, and its lock and
 * {@code hctx->lock} are monitors. The pre-fix lines are reconstructed from the v4.14 code
 * ({@code blk_mq_dispatch_wait_add}) and the commit's description, the fixed ones from the commit
 * as remembered (docs/races/KR-02.md).
 */
public final class BlkMqDispatchWait {
    /** Which kernel's dispatch runs. */
    public enum Variant {
        /** v4.15-rc, before eb619fdb2d4c: {@code BLK_MQ_S_TAG_WAITING} guards the entry. */
        TAG_WAITING_BIT,
        /** eb619fdb2d4c: re-run if the awaited tag was freed before the put-back. */
        RERUN_IF_WAIT_GONE
    }

    private static final int BLK_MQ_S_SCHED_RESTART = 1 << 2;
    private static final int BLK_MQ_S_TAG_WAITING = 1 << 3;
    private static final VarHandle STATE;
    private static final VarHandle TAG_BUSY;
    private static final VarHandle RUN_PENDING;
    private static final VarHandle WAIT_QUEUED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(BlkMqDispatchWait.class, "state", int.class);
            TAG_BUSY = l.findVarHandle(BlkMqDispatchWait.class, "tagBusy", int.class);
            RUN_PENDING = l.findVarHandle(BlkMqDispatchWait.class, "runPending", int.class);
            WAIT_QUEUED = l.findVarHandle(BlkMqDispatchWait.class, "waitQueued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Variant variant;
    /** {@code hctx->lock}, over {@code hctx->dispatch}. */
    private final Object hctxLock = new Object();
    /** {@code ws->wait.lock} of the shared tags' wait queue. */
    private final Object wsLock = new Object();
    /** {@code hctx->state}. */
    @SuppressWarnings("unused") private int state;
    /** The shared driver tag's bit. */
    @SuppressWarnings("unused") private int tagBusy = 1;
    /** The hctx's {@code run_work} is queued on {@code kblockd}. */
    @SuppressWarnings("unused") private int runPending;
    /** {@code !list_empty(&hctx->dispatch_wait.entry)}. */
    @SuppressWarnings("unused") private int waitQueued;
    /** Requests on {@code hctx->dispatch} (under {@link #hctxLock}). */
    private int dispatchList;
    /** Requests handed to the driver's {@code queue_rq}. */
    private volatile int issued;

    /**
     * A hctx that took its one request off {@code hctx->dispatch} (so {@code SCHED_RESTART} is set),
     * on a tag set whose only tag another device holds.
     */
    public BlkMqDispatchWait(Variant variant) {
        this.variant = Objects.requireNonNull(variant, "variant");
        STATE.setVolatile(this, BLK_MQ_S_SCHED_RESTART);
    }

    /** Requests issued to the driver so far. */
    public int issued() {
        return issued;
    }

    /** Why the hctx's request can never be issued now, or null if it was issued or will be. */
    public String stuck() {
        synchronized (hctxLock) {
            if (issued > 0 || (int) RUN_PENDING.getVolatile(this) != 0 || (int) WAIT_QUEUED.getVolatile(this) != 0) {
                return null;
            }
            return "IO hang: " + dispatchList + " request(s) on hctx->dispatch, SCHED_RESTART "
                    + (((int) STATE.getVolatile(this) & BLK_MQ_S_SCHED_RESTART) != 0 ? "set" : "clear")
                    + ", no dispatch_wait entry queued, no queue run pending, driver tag "
                    + ((int) TAG_BUSY.getVolatile(this) != 0 ? "busy" : "free") + ": nobody will run the queue";
        }
    }

    /** The rest of the interrupted run: {@code blk_mq_dispatch_rq_list} on the one request, then kblockd. */
    public void dispatch() {
        dispatchRqList(1);
        runKblockdWork();
    }

    /**
     * The other device's request completes: its driver tag is freed ({@code blk_mq_put_tag},
     * {@code sbitmap_queue_clear}), which wakes the tags' wait queue; then kblockd runs what the
     * wake queued.
     */
    public void otherDeviceCompletes() {
        TAG_BUSY.setRelease(this, 0);
        VarHandle.fullFence(); // sbitmap_queue_clear: smp_mb__after_atomic before waitqueue_active
        synchronized (wsLock) { // __wake_up: the wait queue's lock
            if ((int) WAIT_QUEUED.getVolatile(this) != 0) {
                dispatchWake();
            }
        }
        runKblockdWork();
    }

    /** {@code blk_mq_dispatch_rq_list}: {@code n} requests taken off the lists. */
    private void dispatchRqList(int n) {
        boolean noTag = false;
        while (n > 0) {
            if (!getDriverTag()) {
                if (variant == Variant.TAG_WAITING_BIT) {
                    if (!dispatchWaitAdd() || !getDriverTag()) {
                        break; // a tag may have been freed before the entry was queued: tried again
                    }
                } else if (!markTagWait()) {
                    noTag = true;
                    break;
                }
            }
            issued++;                                 // ->queue_rq(): BLK_STS_OK
            n--;
        }
        if (n > 0) {
            synchronized (hctxLock) {
                dispatchList += n;                    // list_splice_init(list, &hctx->dispatch)
            }
            boolean needsRestart = ((int) STATE.getVolatile(this) & BLK_MQ_S_SCHED_RESTART) != 0;
            boolean rerun = variant == Variant.TAG_WAITING_BIT
                    ? !needsRestart && ((int) STATE.getVolatile(this) & BLK_MQ_S_TAG_WAITING) == 0
                    : !needsRestart || (noTag && (int) WAIT_QUEUED.getVolatile(this) == 0);
            if (rerun) {
                runHwQueueAsync();
            }
        }
    }

    /** v4.14 {@code blk_mq_dispatch_wait_add}: TAG_WAITING is the entry's lock. */
    private boolean dispatchWaitAdd() {
        int s = (int) STATE.getVolatile(this);
        if ((s & BLK_MQ_S_TAG_WAITING) != 0 || !testAndSetState(BLK_MQ_S_TAG_WAITING)) {
            return false;
        }
        synchronized (wsLock) {
            WAIT_QUEUED.setVolatile(this, 1); // add_wait_queue(&ws->wait, &hctx->dispatch_wait)
        }
        return true;
    }

    /** eb619fdb2d4c {@code blk_mq_mark_tag_wait}, shared-tags branch. */
    private boolean markTagWait() {
        if ((int) WAIT_QUEUED.getVolatile(this) != 0) {  // list_empty_careful
            return false;
        }
        synchronized (hctxLock) {
            if ((int) WAIT_QUEUED.getVolatile(this) != 0) {
                return false;
            }
            synchronized (wsLock) {
                WAIT_QUEUED.setVolatile(this, 1);      // add_wait_queue
            }
            if (!getDriverTag()) {                     // a tag freed before the entry was queued
                return false;
            }
            synchronized (wsLock) {
                WAIT_QUEUED.setVolatile(this, 0);      // got one: leave the wakeup to someone else
            }
            return true;
        }
    }

    /** {@code blk_mq_dispatch_wake}, called under the wait queue's lock. */
    private void dispatchWake() {
        WAIT_QUEUED.setVolatile(this, 0);              // list_del_init(&wait->entry)
        if (variant == Variant.TAG_WAITING_BIT) {
            clearState(BLK_MQ_S_TAG_WAITING);          // clear_bit_unlock
        }
        runHwQueueAsync();
    }

    /** {@code blk_mq_get_driver_tag}, non-blocking. */
    private boolean getDriverTag() {
        return TAG_BUSY.compareAndSet(this, 0, 1);
    }

    /** {@code blk_mq_run_hw_queue(hctx, true)}: {@code kblockd_schedule_work(&hctx->run_work)}. */
    private void runHwQueueAsync() {
        RUN_PENDING.setVolatile(this, 1);
    }

    /** A kblockd worker on this CPU runs the hctx's work if it is queued. */
    private void runKblockdWork() {
        if (RUN_PENDING.compareAndSet(this, 1, 0)) {
            runHwQueue();
        }
    }

    /** {@code __blk_mq_run_hw_queue} then {@code blk_mq_sched_dispatch_requests}. */
    private void runHwQueue() {
        int n;
        synchronized (hctxLock) {
            n = dispatchList;
            dispatchList = 0;
        }
        if (n > 0) {
            setState(BLK_MQ_S_SCHED_RESTART);          // blk_mq_sched_mark_restart_hctx
            dispatchRqList(n);
        }
        // else: nothing on hctx->dispatch and nothing in the scheduler
    }

    private boolean testAndSetState(int bit) {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
            if ((s & bit) != 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s | bit));
        return true;
    }

    private void setState(int bit) {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
        } while (!STATE.compareAndSet(this, s, s | bit));
    }

    private void clearState(int bit) {
        int s;
        do {
            s = (int) STATE.getVolatile(this);
        } while (!STATE.compareAndSet(this, s, s & ~bit));
    }
}
