package dev.mybrd.block;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitQueueEntry;
import dev.mybrd.sched.WaitQueueHead;

/**
 * {@code struct request_list} and the request-depth logic of {@code block/blk-core.c} (v4.4):
 * {@code get_request}, {@code __get_request}, {@code freed_request}, {@code __freed_request} and
 * {@code blk_update_nr_requests} (spec 3.6).
 *
 * <p><b>State</b>, all under {@code queue_lock}: {@code count[2]} requests allocated per class
 * (0 async, 1 sync), {@code starved[2]}, the per-class {@code FULL} flags, the per-class congestion
 * marks, the queue's {@code nr_requests} (128) and its thresholds {@code nr_congestion_on} =
 * nr - nr/8 + 1 and {@code nr_congestion_off} = nr - nr/8 - nr/16 - 1; and two wait queues
 * {@code wait[2]} whose waiters are exclusive.
 *
 * <p><b>Allocation and batching</b> ({@link IoContext}): if {@code count+1} reaches
 * {@code nr_requests}, the first task to get there sets {@code FULL}, becomes a batcher
 * ({@code ioc_set_batching}: an allowance of {@code q->nr_batching} = 32 requests for
 * {@code BLK_BATCH_TIME} = 20 ms) and gets its request. While {@code FULL} is set, a batcher still
 * gets requests (each costs one of its allowance) and everybody else fails; at or above 1.5 x
 * {@code nr_requests} everybody fails, batchers included. A task that fails and may block registers
 * on {@code wait[sync]} with {@code prepare_to_wait_exclusive} <em>while it still holds</em>
 * {@code queue_lock}, then drops the lock and sleeps ({@code io_schedule}, which first flushes its
 * plug); once woken it becomes a batcher <em>before</em> it retakes the lock and retries, so the
 * request the free made room for cannot be lost to a task that set {@code FULL} again in between: a
 * fresh allowance always buys one request. A free under the same lock sees the waiter and wakes one;
 * the lock makes the failed check and the registration one step for the waker, so no wake-up is lost
 * (P14). Seeded: {@link BlkBug#GET_REQUEST_REGISTER_AFTER_UNLOCK}, {@link BlkBug#BATCHING_UNCAPPED},
 * {@link BlkBug#WOKEN_SLEEPER_NOT_BATCHING}.
 *
 * <p><b>Not modelled</b>: the elevator's {@code may_queue} veto and its {@code ELV_MQUEUE_MUST}
 * exemption from {@code FULL} (noop has no {@code may_queue}, so the answer is always
 * {@code ELV_MQUEUE_MAY}); the mempool (allocation never fails for a blocking caller, so
 * {@code starved} stays 0 and the "other class starved" wake is never needed); {@code rq_ioc(bio)}'s
 * blkcg context (the context is always {@code current}'s).
 *
 * <p>Invariant P13: {@code 0 <= count[c] <= 1.5 * nr_requests}, checked on every change; while
 * {@code FULL} is set for a class, only a batcher gets a request of it.
 */
public final class RequestList {
    /** {@code BLK_RL_SYNCFULL}, {@code BLK_RL_ASYNCFULL}. */
    private static final int[] FULL = {2, 1};

    private final RequestQueue q;
    final int[] count = new int[2];
    final int[] starved = new int[2];
    private final boolean[] congested = new boolean[2];
    private int flags;
    final WaitQueueHead[] wait = new WaitQueueHead[2];
    private int nrRequests = RequestQueue.BLKDEV_MAX_RQ;
    private int nrCongestionOn;
    private int nrCongestionOff;
    /** {@code q->nr_rqs[2]}: with one request list, the same numbers as {@code count}. */
    final int[] nrRqs = new int[2];

    RequestList(RequestQueue q) {
        this.q = q;
        wait[0] = new WaitQueueHead(q.kernel, "rl->wait[async]");
        wait[1] = new WaitQueueHead(q.kernel, "rl->wait[sync]");
        blkQueueCongestionThreshold();
    }

    /** {@code blk_queue_congestion_threshold}. */
    private void blkQueueCongestionThreshold() {
        int nr = nrRequests - nrRequests / 8 + 1;
        nrCongestionOn = Math.min(nr, nrRequests);
        nr = nrRequests - nrRequests / 8 - nrRequests / 16 - 1;
        nrCongestionOff = Math.max(nr, 1);
    }

    /** {@code q->nr_requests}. */
    public int nrRequests() {
        return nrRequests;
    }

    /** {@code rl->count[sync]}: racy unless {@code queue_lock} is held. */
    public int count(boolean sync) {
        return count[sync ? 1 : 0];
    }

    /** {@code blk_rl_full(rl, sync)}. */
    public boolean full(boolean sync) {
        return (flags & FULL[sync ? 1 : 0]) != 0;
    }

    /** {@code bdi congested} for the class. */
    public boolean congested(boolean sync) {
        return congested[sync ? 1 : 0];
    }

    /** Tasks asleep in {@code get_request} for the class. */
    public int waiters(boolean sync) {
        return wait[sync ? 1 : 0].entries().size();
    }

    /**
     * {@code __get_request(rl, rw_flags, bio, gfp)}: queue_lock held. A new request, or null for
     * "full" ({@code -ENOMEM}); throws nothing. The kernel drops the lock to allocate from the
     * mempool and returns without it; the model allocates with the lock held (an allocation that
     * cannot fail has nothing to wait for) and the caller drops it as the kernel's caller would find it.
     * {@code ioc} is the caller's context ({@code rq_ioc(bio)}), null if it has none.
     */
    private Request getRequestLocked(boolean write, boolean sync, IoContext ioc) {
        int c = sync ? 1 : 0;
        if (count[c] + 1 >= nrCongestionOn) {
            if (count[c] + 1 >= nrRequests) {
                if (!full(sync)) {
                    becomeBatcherAndSetFull(ioc, c); // the queue fills with this allocation
                } else if (!IoContext.iocBatching(q, ioc)) {
                    return null; // full, not a batcher, and noop never answers ELV_MQUEUE_MUST
                }
            }
            congested[c] = true;
        }
        if (count[c] >= 3 * nrRequests / 2 && !q.bug(BlkBug.BATCHING_UNCAPPED)) {
            return null; // batchers too: at most 50% over nr_requests
        }
        nrRqs[c]++;
        count[c]++;
        starved[c] = 0;
        if (count[c] > 3 * nrRequests / 2) {
            throw new KernelBug("kernel BUG: rl->count[" + c + "] = " + count[c] + " above 1.5 x nr_requests "
                    + nrRequests);
        }
        Request rq = new Request(q, q.nextTag(), write, sync);
        chargeBatch(ioc);
        return rq;
    }

    /** {@code ioc_set_batching(q, ioc)} + {@code blk_set_rl_full(rl, sync)}. */
    private void becomeBatcherAndSetFull(IoContext ioc, int c) {
        IoContext.iocSetBatching(q, ioc);
        flags |= FULL[c];
    }

    /**
     * The end of {@code __get_request}: a batcher pays one request of its allowance. (A task below the
     * limit with no batch running pays nothing; {@code BLK_BATCH_TIME} bounds the rest.)
     */
    private void chargeBatch(IoContext ioc) {
        if (IoContext.iocBatching(q, ioc)) {
            ioc.nrBatchRequests--;
        }
    }

    /**
     * {@code get_request(q, rw_flags, bio, gfp)}: queue_lock held (taken with {@code _irq}). Returns
     * a request with the lock still held (the model's {@code __get_request} keeps it; see above), or
     * an errno with the lock held: {@code -ENODEV} on a dying queue, {@code -ENOMEM} when full and the
     * caller may not block. A caller that may block sleeps on {@code rl->wait[sync]} until a free, and
     * is a batcher when it tries again.
     */
    Object getRequest(boolean write, boolean sync, boolean mayBlock) {
        Kernel kernel = q.kernel;
        int c = sync ? 1 : 0;
        IoContext ioc = IoContext.createIoContext(kernel); // v4.4 creates it upfront: see IoContext
        while (true) {
            if (q.dying) {
                return Errno.ENODEV;
            }
            Request rq = getRequestLocked(write, sync, ioc);
            if (rq != null) {
                return rq;
            }
            if (!mayBlock) {
                return Errno.ENOMEM;
            }
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            Task me = kernel.current();
            me.setBlockedOn(wait[c].name() + " (count=" + count[c] + ", nr_requests=" + nrRequests + ")");
            if (q.bug(BlkBug.GET_REQUEST_REGISTER_AFTER_UNLOCK)) {
                q.queueLock.unlockIrq();
                kernel.schedule(); // preemption point: a free can run here and wake nobody
                wait[c].prepareToWaitExclusive(w, Task.TASK_UNINTERRUPTIBLE);
            } else {
                wait[c].prepareToWaitExclusive(w, Task.TASK_UNINTERRUPTIBLE);
                q.queueLock.unlockIrq();
            }
            kernel.schedule(); // io_schedule(): flushes the plug first (sched_submit_work)
            if (!q.bug(BlkBug.WOKEN_SLEEPER_NOT_BATCHING)) {
                IoContext.iocSetBatching(q, IoContext.current(kernel)); // woken: a nice run, without the lock
            }
            q.queueLock.lockIrq();
            wait[c].finishWait(w);
            me.setBlockedOn("");
        }
    }

    /** {@code freed_request(rl, flags)}: queue_lock held; called from {@code __blk_put_request}. */
    void freedRequest(boolean sync) {
        int c = sync ? 1 : 0;
        nrRqs[c]--;
        count[c]--;
        checkCount(c);
        freedRequestClass(c);
        if (starved[c ^ 1] != 0) {
            freedRequestClass(c ^ 1);
        }
    }

    /** {@code __freed_request(rl, sync)}. */
    private void freedRequestClass(int c) {
        if (count[c] < nrCongestionOff) {
            congested[c] = false;
        }
        if (count[c] + 1 <= nrRequests) {
            if (wait[c].waitqueueActive()) {
                wait[c].wakeUp();
            }
            flags &= ~FULL[c];
        }
    }

    /**
     * {@code blk_update_nr_requests(q, nr)} (the {@code nr_requests} sysfs store): under
     * {@code queue_lock}, new thresholds, congestion and {@code FULL} recomputed, and sleepers of a
     * class now below the limit woken. Below {@link RequestQueue#BLKDEV_MIN_RQ} is raised to it, as
     * {@code queue_requests_store} does; a negative value is {@code -EINVAL}.
     */
    public int blkUpdateNrRequests(int nr) {
        if (nr < 0) {
            return Errno.EINVAL.negative();
        }
        int n = Math.max(nr, RequestQueue.BLKDEV_MIN_RQ);
        q.queueLock.lockIrq();
        nrRequests = n;
        blkQueueCongestionThreshold();
        for (int c = 0; c < 2; c++) {
            congested[c] = count[c] >= nrCongestionOn || (congested[c] && count[c] >= nrCongestionOff);
            if (count[c] >= nrRequests) {
                flags |= FULL[c];
            } else {
                flags &= ~FULL[c];
                wait[c].wakeUp();
            }
        }
        q.queueLock.unlockIrq();
        return 0;
    }

    /** Wakes every sleeper (a dying queue). */
    void wakeAll() {
        wait[0].wakeUpAll();
        wait[1].wakeUpAll();
    }

    private void checkCount(int c) {
        if (count[c] < 0) {
            throw new KernelBug("kernel BUG: rl->count[" + c + "] = " + count[c] + ": a request was freed twice");
        }
    }

    @Override
    public String toString() {
        return "request_list{count=[" + count[0] + "," + count[1] + "] nr_requests=" + nrRequests
                + " nr_batching=" + q.nrBatching + " full=" + flags + "}";
    }
}
