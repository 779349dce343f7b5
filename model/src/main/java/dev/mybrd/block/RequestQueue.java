package dev.mybrd.block;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.workqueue.TimerList;
import dev.mybrd.workqueue.Timers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code struct request_queue} ({@code include/linux/blkdev.h}, v4.4) in its two legacy shapes.
 *
 * <p><b>Bio-mode</b> ({@code blk_alloc_queue_node} + {@code blk_queue_make_request}): only the
 * driver's {@code make_request_fn}, the limits and {@code queuedata}; see the public constructor.
 *
 * <p><b>Request-mode</b> ({@code blk_init_queue_node(request_fn, lock)}, {@link #initQueue}):
 * {@code make_request_fn} is {@link BlkQueueBio#blkQueueBio}; the queue has a {@link RequestList}
 * ({@code nr_requests}, 128 by default, and {@code nr_batching}, 32: see {@link IoContext}), the
 * noop {@link Elevator} with its dispatch list ({@code q->queue_head}), {@code in_flight[2]}
 * (requests the driver started and has not ended), {@code request_fn_active}, the flags
 * {@code QUEUE_FLAG_STOPPED}, {@code QUEUE_FLAG_DYING} and {@code QUEUE_FLAG_SAME_COMP} (on by
 * default: {@code QUEUE_FLAG_DEFAULT}), the timeout list and timer, and the driver's hooks
 * {@code request_fn}, {@code prep_rq_fn}, {@code softirq_done_fn} and {@code rq_timed_out_fn}.
 * Every one of these is protected by {@code queue_lock}, the driver's lock, always taken with
 * interrupts off ({@code _irq}/{@code _irqsave}); {@code request_fn} is called with it held and must
 * return with it held. ({@code nr_batching} is only read.)
 */
public final class RequestQueue {
    /** {@code BLKDEV_MAX_RQ}: the default {@code nr_requests}. */
    public static final int BLKDEV_MAX_RQ = 128;
    /** {@code BLKDEV_MIN_RQ}: the smallest {@code nr_requests} sysfs accepts (smaller is raised to it). */
    public static final int BLKDEV_MIN_RQ = 4;
    /** {@code BLK_BATCH_REQ}: the default {@code nr_batching}, requests in one batch. */
    public static final int BLK_BATCH_REQ = 32;
    /** {@code BLK_BATCH_TIME} ({@code block/blk.h}): HZ/50, how long a batch lasts, in jiffies (20 ms). */
    public static final long BLK_BATCH_TIME = Jiffies.HZ / 50;
    /** {@code BLK_DEFAULT_SG_TIMEOUT}: 30 s, in jiffies at HZ=1000. */
    public static final long BLK_DEFAULT_TIMEOUT = 30L * Jiffies.HZ;

    /** {@code prep_rq_fn}'s answers. */
    public enum Prep { OK, DEFER, KILL }

    /** {@code rq_timed_out_fn}'s answers ({@code enum blk_eh_timer_return}). */
    public enum EhTimerReturn { NOT_HANDLED, HANDLED, RESET_TIMER }

    private final MakeRequestFn makeRequestFn;
    private final QueueLimits limits;
    private final Object queuedata;

    // ---- request-mode only (null/unused in bio-mode) ----
    final Kernel kernel;
    final SpinLock queueLock;
    final Consumer<RequestQueue> requestFn;
    final Set<BlkBug> bugs;
    final RequestList rl;
    final Elevator elevator;
    final PartStat stats;
    final Timers timers;
    /** {@code q->in_flight[2]}: [0] async, [1] sync. */
    final int[] inFlight = new int[2];
    int requestFnActive;
    boolean stopped;
    boolean dying;
    boolean sameComp = true;
    Function<Request, Prep> prepRqFn;
    Consumer<Request> softirqDoneFn;
    Function<Request, EhTimerReturn> rqTimedOutFn;
    long rqTimeout = BLK_DEFAULT_TIMEOUT;
    /** {@code q->nr_batching}: set by {@code blk_queue_make_request}, no sysfs knob; under no lock. */
    final int nrBatching = BLK_BATCH_REQ;
    /** {@code q->timeout_list} and {@code q->timeout}. */
    final List<Request> timeoutList = new ArrayList<>();
    final TimerList timeoutTimer;
    /** {@code q->delay_work} on kblockd: pending runs of the queue ({@link Kblockd}). */
    final Kblockd kblockd;
    /** {@code blk_softirq_init}'s per-CPU done lists, looked up once (never on the I/O path). */
    final BlkSoftirq softirq;
    private int nextTag;

    /** A bio-mode queue: {@code blk_alloc_queue_node} + {@code blk_queue_make_request(q, fn)}. */
    public RequestQueue(MakeRequestFn makeRequestFn, QueueLimits limits, Object queuedata) {
        if (makeRequestFn == null || limits == null) {
            throw new IllegalArgumentException("request_queue needs a make_request_fn and limits");
        }
        this.makeRequestFn = makeRequestFn;
        this.limits = limits;
        this.queuedata = queuedata;
        this.kernel = null;
        this.queueLock = null;
        this.requestFn = null;
        this.bugs = Set.of();
        this.rl = null;
        this.elevator = null;
        this.stats = null;
        this.timers = null;
        this.timeoutTimer = null;
        this.kblockd = null;
        this.softirq = null;
    }

    private RequestQueue(Kernel kernel, Consumer<RequestQueue> requestFn, SpinLock lock, QueueLimits limits,
            Object queuedata, PartStat stats, Set<BlkBug> bugs) {
        this.makeRequestFn = BlkQueueBio::blkQueueBio;
        this.limits = limits;
        this.queuedata = queuedata;
        this.kernel = kernel;
        this.queueLock = lock;
        this.requestFn = requestFn;
        this.bugs = bugs.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(bugs));
        this.rl = new RequestList(this);
        this.elevator = new Elevator(this);
        this.stats = stats;
        this.timers = Timers.of(kernel);
        this.timeoutTimer = new TimerList("q->timeout", () -> BlkTimeout.blkRqTimedOutTimer(this), 0);
        this.kblockd = new Kblockd(this);
        this.softirq = BlkSoftirq.of(kernel);
    }

    /**
     * {@code blk_init_queue_node(request_fn, lock, node)}: a request-mode queue whose
     * {@code queue_lock} is {@code lock}, accounting into {@code stats} (may be null: no accounting).
     */
    public static RequestQueue initQueue(Kernel kernel, Consumer<RequestQueue> requestFn, SpinLock lock,
            QueueLimits limits, Object queuedata, PartStat stats, Set<BlkBug> bugs) {
        if (kernel == null || requestFn == null || lock == null || limits == null || bugs == null) {
            throw new IllegalArgumentException("blk_init_queue needs a kernel, a request_fn, a lock, limits and a bug set");
        }
        return new RequestQueue(kernel, requestFn, lock, limits, queuedata, stats, bugs);
    }

    public MakeRequestFn makeRequestFn() {
        return makeRequestFn;
    }

    public QueueLimits limits() {
        return limits;
    }

    /** {@code q->queuedata}. */
    public Object queuedata() {
        return queuedata;
    }

    /** Whether this is a request-mode queue. */
    public boolean requestMode() {
        return requestFn != null;
    }

    /** {@code q->queue_lock}. */
    public SpinLock queueLock() {
        legacy();
        return queueLock;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The request list ({@code q->root_rl}). */
    public RequestList requestList() {
        legacy();
        return rl;
    }

    /** The elevator. */
    public Elevator elevator() {
        legacy();
        return elevator;
    }

    /** kblockd's work for this queue. */
    public Kblockd kblockd() {
        legacy();
        return kblockd;
    }

    /** The timer subsystem the queue's timeout uses. */
    public Timers timers() {
        legacy();
        return timers;
    }

    boolean bug(BlkBug b) {
        return bugs.contains(b);
    }

    /** {@code blk_queue_prep_rq(q, fn)}. */
    public void setPrepRqFn(Function<Request, Prep> fn) {
        legacy();
        prepRqFn = fn;
    }

    /** {@code blk_queue_softirq_done(q, fn)}. */
    public void setSoftirqDoneFn(Consumer<Request> fn) {
        legacy();
        softirqDoneFn = fn;
    }

    /** {@code blk_queue_rq_timed_out(q, fn)}. */
    public void setRqTimedOutFn(Function<Request, EhTimerReturn> fn) {
        legacy();
        rqTimedOutFn = fn;
    }

    /** {@code blk_queue_rq_timeout(q, timeout)} in jiffies. */
    public void setRqTimeout(long jiffies) {
        legacy();
        if (jiffies <= 0) {
            throw new IllegalArgumentException("rq_timeout must be positive, got " + jiffies + " (-EINVAL)");
        }
        rqTimeout = jiffies;
    }

    /** {@code q->rq_timeout} in jiffies. */
    public long rqTimeoutJiffies() {
        return rqTimeout;
    }

    /** {@code q->nr_batching}: the allowance of a new batcher ({@link IoContext}). */
    public int nrBatching() {
        return nrBatching;
    }

    /**
     * {@code blk_get_request(q, rw, gfp_mask)} on a legacy queue ({@code blk_old_get_request}): creates
     * the task's io_context upfront, then {@code get_request} under {@code queue_lock}. A read is of
     * the sync class, a write of the async one ({@code rw_is_sync}). With {@code mayBlock}
     * ({@code GFP_NOIO}, {@code __GFP_DIRECT_RECLAIM}) the caller sleeps until a request is free;
     * without ({@code GFP_ATOMIC}) a full class answers at once. Returns the request, which belongs to
     * the caller until {@link #blkPutRequest}, or null where the kernel returns {@code ERR_PTR}:
     * {@code -ENOMEM} (full and may not block) or {@code -ENODEV} (dying queue).
     */
    public Request blkGetRequest(boolean write, boolean mayBlock) {
        legacy();
        if (mayBlock) {
            kernel.mightSleep("blk_get_request(GFP_NOIO)");
        }
        IoContext.createIoContext(kernel);
        queueLock.lockIrq();
        Object got = rl.getRequest(write, !write, mayBlock);
        queueLock.unlockIrq(); // on success __get_request has dropped it; the model's caller does
        return got instanceof Request rq ? rq : null;
    }

    /**
     * {@code blk_put_request(req)}: gives back a request from {@link #blkGetRequest} that was never
     * queued; {@code __blk_put_request} under {@code queue_lock} with {@code _irqsave}, which frees it
     * ({@code freed_request}: the count drops, {@code FULL} may clear and one sleeper is woken). A
     * request of another queue is refused; one still queued or already freed is a kernel BUG, as in
     * {@code __blk_put_request}.
     */
    public void blkPutRequest(Request req) {
        legacy();
        if (req == null || req.q != this) {
            throw new IllegalArgumentException("blk_put_request: " + req + " is not a request of this queue");
        }
        boolean flags = queueLock.lockIrqsave();
        try {
            BlkEnd.blkPutRequestLocked(this, req);
        } finally {
            queueLock.unlockIrqrestore(flags);
        }
    }

    /** {@code rq_affinity} ({@code QUEUE_FLAG_SAME_COMP}): complete on the submitting CPU. */
    public void setSameComp(boolean on) {
        legacy();
        sameComp = on;
    }

    /** Requests waiting on this machine's {@code blk_cpu_done} lists (a racy snapshot). */
    public int softirqPending() {
        legacy();
        return softirq.pending();
    }

    /** {@code q->in_flight[sync]}: a racy read unless {@code queue_lock} is held. */
    public int inFlight(boolean sync) {
        legacy();
        return inFlight[sync ? 1 : 0];
    }

    /** {@code q->request_fn_active}. */
    public int requestFnActive() {
        return requestFnActive;
    }

    /** {@code blk_queue_stopped(q)}: read without the lock, as drivers do. */
    public boolean stopped() {
        return stopped;
    }

    /** {@code blk_queue_dying(q)}. */
    public boolean dying() {
        return dying;
    }

    /** {@code blk_set_queue_dying}: new requests fail with {@code -ENODEV}; sleepers are woken. */
    public void setDying() {
        legacy();
        boolean flags = queueLock.lockIrqsave();
        dying = true;
        rl.wakeAll();
        queueLock.unlockIrqrestore(flags);
    }

    int nextTag() {
        return nextTag++;
    }

    void legacy() {
        if (requestFn == null) {
            throw new IllegalStateException("not a request-mode queue (blk_init_queue was not called)");
        }
    }

    /** Requests on the dispatch list and in the elevator, for reports. */
    public List<Request> queued() {
        Deque<Request> all = new ArrayDeque<>(elevator.dispatch);
        all.addAll(elevator.fifo);
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return requestFn == null ? "request_queue(bio)" : "request_queue(rq, lock=" + queueLock + ")";
    }
}
