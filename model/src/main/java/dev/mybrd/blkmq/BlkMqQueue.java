package dev.mybrd.blkmq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkAccount;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A blk-mq request queue as v4.4 builds and runs it ({@code blk_mq_init_queue}, {@code block/blk-mq.c};
 * spec 2.6, 3.11): per-CPU software queues ({@link BlkMqCtx}), hardware queues ({@link BlkMqHwCtx})
 * over the tag set's tags, {@code mq_map}, the submission path, the run/dispatch loop, completion,
 * the timeout scan and the requeue list.
 *
 * <p><b>Submission</b> ({@link #makeRequest}; v4.4 installs {@code blk_sq_make_request} for one
 * hardware queue and {@code blk_mq_make_request} for several): take a usage reference
 * ({@code blk_queue_enter}); try to merge the bio into the task's plug ({@link BlkMqPlug},
 * lock-free, counting this queue's plugged requests); {@code blk_mq_map_request}: this CPU's ctx with
 * preemption disabled, {@code hctx = map_queue(ctx->cpu)}, a tag without sleeping, else run the
 * hardware queue once and allocate again allowing {@code bt_get} to sleep (it may come back on
 * another CPU with another ctx and hctx); then {@code blk_mq_merge_queue_io}: under {@code ctx->lock}
 * merge the bio into one of the last 8 requests of {@code ctx->rq_list} (the new request is freed), or
 * append the request and set the ctx's pending bit; then, unless merged, run the hardware queue
 * (inline for a sync bio, still with preemption disabled) and give the ctx back. <em>With one
 * hardware queue and a plug</em> the new request goes onto {@code plug->mq_list} instead (the plug
 * is flushed first if it holds 16). <em>With several</em>, a sync bio or a plugged one takes the
 * direct path: plugged, the new request replaces the queue's one plugged request, which is issued;
 * unplugged, the new request is issued itself: {@code queue_rq} straight from the submitter
 * ({@code blk_mq_direct_issue_request}, preemption enabled), and a BUSY answer inserts it into its
 * ctx with an asynchronous run ({@code blk_mq_insert_request}). The model's bios are direct I/O,
 * all sync, so with several hardware queues every bio takes the direct path.
 *
 * <p><b>Accounting</b> (when the queue has a disk's statistics, {@link #setStats}: v4.4 sets
 * {@code REQ_IO_STAT} on every request of an mq queue): {@code blk_account_io_start} as the
 * request gets its first bio ({@code blk_mq_bio_to_request}: {@code in_flight}++), a merge into a
 * queued or plugged request counts in {@code merges}; {@code blk_update_request} adds the ended
 * bytes to {@code sectors} ({@code blk_account_io_completion}), and {@code __blk_mq_end_request}
 * counts the {@code ios} and gives {@code in_flight} back ({@code blk_account_io_done}), on the
 * error path too. A requeue or BUSY changes nothing: the request is still in flight.
 *
 * <p><b>Run</b> ({@link #runHwQueue}, {@code __blk_mq_run_hw_queue}): nothing if STOPPED;
 * {@code flush_busy_ctxs} clears each pending bit <em>before</em> splicing that ctx's list under its
 * lock (an insert after the clear sets the bit again, so nothing is stranded); {@code hctx->dispatch}
 * goes in front; then {@code queue_rq} for each: OK, next; BUSY, the request goes back to the head and
 * loses STARTED, the loop stops; ERROR, it ends with {@code -EIO}. Leftovers go onto
 * {@code hctx->dispatch} under {@code hctx->lock} and an asynchronous run is scheduled. Runs of one
 * hctx may overlap; each request is still taken once, because each splice is under a lock.
 *
 * <p><b>Completion.</b> {@link #startRequest} arms the deadline, sets STARTED (after a full barrier)
 * and clears COMPLETE. {@link #completeRequest} and the timeout scan both claim
 * {@code REQ_ATOM_COMPLETE}; the winner finishes the request: directly with
 * {@code blk_mq_end_request}, or through {@code complete} (the softirq done function), on the
 * submitting CPU by IPI when {@code QUEUE_FLAG_SAME_COMP} is set and the CPUs differ (the model's CPUs
 * share no cache). {@link #endRequest} ends every bio, then frees the request: tag back, usage
 * reference dropped.
 *
 * <p><b>Asynchronous work</b>: {@code hctx->run_work} and {@code q->requeue_work} are kblockd work
 * items; the model keeps them pending until someone lets kblockd run ({@link #runPendingWork}, in
 * process context). The timeout timer is {@link #timeoutScan}, fired by whoever advances
 * {@link #jiffies}.
 *
 * <p><b>Shared tags</b> (v4.4): {@code blk_mq_init_queue} on a set that already has a queue
 * ({@code blk_mq_add_queue_tag_set}, under {@code set->tag_list_lock}) sets {@code BLK_MQ_F_TAG_SHARED}
 * on the set and on every hardware queue of the queues already there (each frozen meanwhile, so no
 * allocation is in progress: {@code blk_mq_update_tag_set_depth}) and of the new one;
 * {@link #cleanupQueue} ({@code blk_mq_del_queue_tag_set}) clears it again when one queue is left.
 * While shared, an allocation marks its hctx busy ({@code blk_mq_tag_busy}: {@code TAG_ACTIVE},
 * {@code active_queues++} once) and counts the request in {@code nr_active}; the free uncounts it;
 * {@code hctx_may_queue} limits each active hctx to {@code max(ceil(depth / active_queues), 4)}
 * tags; and the timeout timer, finding nothing of this queue started and pending, marks every
 * hctx idle ({@code blk_mq_tag_idle}: {@code active_queues--}, wake every sleeper, whose share just
 * grew). The timer, the busy walk and the in-flight report only look at requests of this queue
 * ({@code bt_for_each}'s {@code rq->q == hctx->queue}): the set's requests serve every queue.
 * 0d2602ca30e4 "blk-mq: improve support for shared tags maps" (Axboe, v3.15) built this.
 *
 * <p><b>Invariants</b> (M1-M6 of spec 3.11): every CPU's ctx is in exactly one {@code hctx->ctxs[]}
 * at {@code index_hw}; a request is dispatched through its ctx's hctx; a non-empty ctx list has its
 * pending bit set or is being flushed; each request is ended once or put back, never dropped.
 */
public final class BlkMqQueue implements BlkMqQueueMap {
    /** How many of the newest requests on {@code ctx->rq_list} v4.4's {@code blk_mq_attempt_merge} tries. */
    static final int MERGE_CHECK = 8;

    private final Kernel kernel;
    private final BlkMqTagSet set;
    private final BlkMqOps ops;
    private final BlkMqCtx[] ctxs;
    private final BlkMqHwCtx[] hctxs;
    private final int[] mqMap;
    private final BlkMqFreeze freeze;
    private final Set<MqBug> bugs;
    private final int maxHwSectors;
    private volatile boolean sameComp;
    private volatile long rqTimeout = RequestQueue.BLK_DEFAULT_TIMEOUT;
    private final AtomicLong jiffies = new AtomicLong();
    /** {@code q->requeue_list} under {@code q->requeue_lock}, and {@code q->requeue_work}. */
    private final SpinLock requeueLock;
    private final Deque<BlkMqRequest> requeueList = new ArrayDeque<>();
    private final AtomicBoolean requeueWork = new AtomicBoolean();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong requeued = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong merged = new AtomicLong();
    /** The disk's {@code part0} statistics this queue accounts into, or null (no accounting). */
    private volatile PartStat stats;
    /** Test seam: runs in {@code flush_busy_ctxs} right after each splice (nothing by default). */
    private volatile Runnable afterSplice = () -> { };

    /**
     * {@code blk_mq_init_queue(set)}: a ctx per CPU, {@code set.nrHwQueues()} hardware queues,
     * {@code mq_map} from {@link BlkMqCpuMap#mapQueues} with no SMT, then {@code blk_mq_map_swqueue}.
     */
    public BlkMqQueue(Kernel kernel, String name, BlkMqTagSet set, BlkMqOps ops, int maxHwSectors, Set<MqBug> bugs) {
        if (kernel == null || set == null || ops == null || name == null) {
            throw new IllegalArgumentException("blk_mq_init_queue needs a kernel, a name, a tag set and ops");
        }
        this.kernel = kernel;
        this.set = set;
        this.ops = ops;
        this.maxHwSectors = maxHwSectors;
        this.bugs = bugs.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(bugs));
        this.ctxs = new BlkMqCtx[kernel.nrCpus()];
        for (int cpu = 0; cpu < ctxs.length; cpu++) {
            ctxs[cpu] = new BlkMqCtx(kernel, cpu, 0);
        }
        this.hctxs = new BlkMqHwCtx[set.nrHwQueues()];
        for (int i = 0; i < hctxs.length; i++) {
            hctxs[i] = new BlkMqHwCtx(kernel, i, set.tags(i), false);
        }
        this.mqMap = BlkMqCpuMap.mapQueues(set.nrHwQueues(), BlkMqCpuMap.noSmt(kernel.nrCpus()));
        mapSwqueue();
        this.requeueLock = new SpinLock(kernel, name + ".requeue_lock");
        this.freeze = new BlkMqFreeze(kernel, name, BlkMqFreeze.Variant.V4_4, () -> runHwQueues(false));
        addQueueTagSet();
    }

    /** Runs {@code body} in the current task, or, at probe time outside any task, as one on CPU 0. */
    private void inTask(Runnable body) {
        if (kernel.inTask()) {
            body.run();
        } else {
            kernel.runOn(0, "blk_mq_init_queue", body);
        }
    }

    // ---- sharing the tag set ---------------------------------------------------------------------------

    /**
     * {@code blk_mq_add_queue_tag_set(set, q)}: under {@code tag_list_lock}, if this is the second
     * queue, the set becomes shared and so does every queue already on it
     * ({@code blk_mq_update_tag_set_depth}); then this queue's hctxs follow the set, and it joins
     * {@code tag_list}.
     */
    private void addQueueTagSet() {
        synchronized (set.tagList) { // tag_list_lock
            List<BlkMqQueue> others = List.copyOf(set.tagList);
            if (!others.isEmpty() && !set.shared()) {
                set.setShared(true);
                inTask(() -> updateTagSetDepth(others, true)); // freezing may sleep: a task's job
            }
            if (set.shared()) {
                queueSetHctxShared(true);
            }
            set.tagList.add(this);
        }
    }

    /**
     * {@code blk_mq_del_queue_tag_set(q)}: under {@code tag_list_lock}, leave {@code tag_list}; if one
     * queue is left, the set and that queue stop sharing.
     */
    private void delQueueTagSet() {
        synchronized (set.tagList) { // tag_list_lock
            set.tagList.remove(this);
            List<BlkMqQueue> left = List.copyOf(set.tagList);
            if (left.size() == 1) {
                set.setShared(false);
                updateTagSetDepth(left, false);
            }
        }
    }

    /** {@code blk_mq_update_tag_set_depth(set, shared)}: each queue frozen while its flags change. */
    private static void updateTagSetDepth(List<BlkMqQueue> queues, boolean shared) {
        for (BlkMqQueue q : queues) {
            q.freeze.freezeQueue();
            q.queueSetHctxShared(shared);
            q.freeze.unfreezeQueue();
        }
    }

    /**
     * {@code queue_set_hctx_shared(q, shared)}: {@code BLK_MQ_F_TAG_SHARED} on or off in every hctx.
     * Turning it off leaves {@code TAG_ACTIVE} and {@code active_queues} alone in v4.4; the
     * {@link BlkMqTagSet.Unshare#IDLE_BEFORE_CLEAR} variant (454bb6775202) idles the hctx first.
     */
    private void queueSetHctxShared(boolean shared) {
        for (BlkMqHwCtx h : hctxs) {
            if (!shared && set.unshare() == BlkMqTagSet.Unshare.IDLE_BEFORE_CLEAR) {
                h.tagState.tagIdle();
            }
            h.tagState.setTagShared(shared);
        }
    }

    /**
     * The blk-mq half of {@code blk_cleanup_queue(q)}: mark the queue dying, freeze it and wait for
     * every request to be freed, then {@code blk_mq_free_queue}: {@code blk_mq_del_queue_tag_set} and
     * {@code blk_mq_exit_hw_queues}, whose {@code blk_mq_exit_hctx} calls {@code blk_mq_tag_idle}. In
     * process context (it sleeps); the caller makes sure its I/O can finish.
     */
    public void cleanupQueue() {
        kernel.mightSleep("blk_cleanup_queue");
        freeze.setQueueDying();
        freeze.freezeQueue();
        delQueueTagSet();
        for (BlkMqHwCtx h : hctxs) {
            h.tagState.tagIdle(!bug(MqBug.TAG_IDLE_NO_WAKE)); // blk_mq_exit_hctx
        }
    }

    /** Whether {@code rq} was allocated by this queue ({@code rq->q == q}): its ctx is one of ours. */
    private boolean owns(BlkMqRequest rq) {
        BlkMqCtx c = rq.mqCtx;
        return c != null && c.cpu < ctxs.length && ctxs[c.cpu] == c;
    }

    /** {@code blk_mq_map_swqueue(q)}: each CPU's ctx into its hctx's {@code ctxs[]}, at {@code index_hw}. */
    private void mapSwqueue() {
        for (int cpu = 0; cpu < ctxs.length; cpu++) {
            BlkMqHwCtx hctx = hctxs[mqMap[cpu]];
            hctx.cpumask |= 1L << cpu;
            ctxs[cpu].indexHw = hctx.ctxs.size();
            hctx.ctxs.add(ctxs[cpu]);
        }
    }

    // ---- accessors -----------------------------------------------------------------------------------

    @Override
    public Kernel kernel() {
        return kernel;
    }

    public BlkMqTagSet tagSet() {
        return set;
    }

    public int nrHwQueues() {
        return hctxs.length;
    }

    /** {@code q->queue_hw_ctx[i]}. */
    public BlkMqHwCtx hctx(int i) {
        return hctxs[i];
    }

    /** {@code per_cpu_ptr(q->queue_ctx, cpu)}. */
    public BlkMqCtx ctx(int cpu) {
        return ctxs[cpu];
    }

    /** {@code q->mq_map[cpu]}. */
    public int mqMap(int cpu) {
        return mqMap[cpu];
    }

    /** {@code blk_mq_map_queue(q, cpu)}. */
    public BlkMqHwCtx mapQueueHctx(int cpu) {
        return hctxs[mqMap[cpu]];
    }

    public BlkMqFreeze freeze() {
        return freeze;
    }

    public boolean bug(MqBug b) {
        return bugs.contains(b);
    }

    /**
     * Test seam: {@code hook} runs inside {@code flush_busy_ctxs} right after a ctx's list is spliced,
     * where a concurrent insert can land; deterministic tests use it to place one there.
     */
    public void setAfterSpliceHook(Runnable hook) {
        this.afterSplice = hook == null ? () -> { } : hook;
    }

    /**
     * The disk whose {@code part0} this queue's requests are accounted into ({@code rq->rq_disk},
     * {@code QUEUE_FLAG_IO_STAT}); null switches accounting off.
     */
    public void setStats(PartStat st) {
        this.stats = st;
    }

    /** {@code queue_max_hw_sectors(q)}. */
    int maxHwSectors() {
        return maxHwSectors;
    }

    /** {@code QUEUE_FLAG_SAME_COMP}: complete on the submitting CPU. */
    public void setSameComp(boolean on) {
        this.sameComp = on;
    }

    /** {@code blk_queue_rq_timeout(q, jiffies)}. */
    public void setRqTimeout(long j) {
        if (j <= 0) {
            throw new IllegalArgumentException("-EINVAL: rq_timeout must be positive, got " + j);
        }
        this.rqTimeout = j;
    }

    public long rqTimeout() {
        return rqTimeout;
    }

    /** The queue's clock for deadlines; {@link #advanceJiffies} lets time pass. */
    public long jiffies() {
        return jiffies.get();
    }

    /** Lets {@code j} jiffies pass (the timeout timer fires at the caller's turn: {@link #timeoutScan}). */
    public void advanceJiffies(long j) {
        jiffies.addAndGet(j);
    }

    /** Requests the timeout handler ended ({@code BLK_EH_HANDLED}). */
    public long timedOutCount() {
        return timedOut.get();
    }

    public long requeuedCount() {
        return requeued.get();
    }

    public long busyCount() {
        return busy.get();
    }

    public long mergedCount() {
        return merged.get();
    }

    // ---- BlkMqQueueMap: what bt_get uses ------------------------------------------------------------

    @Override
    public CtxLastTag getCtx() {
        return ctxs[kernel.getCpu()].lastTag;
    }

    @Override
    public void putCtx(CtxLastTag ctx) {
        kernel.putCpu();
    }

    @Override
    public HctxTagState mapQueue(int cpu) {
        return hctxs[mqMap[cpu]].tagState;
    }

    @Override
    public void runHwQueue(HctxTagState hctx) {
        runHwQueue(hctxs[hctx.queueNum()], false);
    }

    @Override
    public boolean remapAfterSleep() {
        return !bug(MqBug.BT_GET_KEEPS_HCTX_AFTER_SLEEP);
    }

    // ---- submission ----------------------------------------------------------------------------------

    /**
     * {@code blk_mq_make_request(q, bio)} with {@code generic_make_request}'s
     * {@code blk_queue_enter}/{@code blk_queue_exit} around it: a dying queue fails the bio with
     * {@code -EIO} (v4.4's {@code blk_queue_enter} answers {@code -ENODEV}, and
     * {@code generic_make_request} then ends the bio with an error).
     */
    public void makeRequest(Bio bio) {
        if (freeze.enter(true) != 0) {
            bio.ioError();
            return;
        }
        try {
            makeRequestEntered(bio);
        } finally {
            freeze.exit();
        }
    }

    private void makeRequestEntered(Bio bio) {
        if (hctxs.length > 1) {
            mqMakeRequest(bio);
        } else {
            sqMakeRequest(bio);
        }
    }

    /**
     * {@code blk_sq_make_request(q, bio)}: plug merge; a request; with a plug, onto
     * {@code mq_list} (flushing first at {@code BLK_MAX_REQUEST_COUNT}); else ctx merge or insert
     * and an inline run.
     */
    private void sqMakeRequest(Bio bio) {
        boolean isSync = true; // direct I/O: reads, and writes with REQ_SYNC (WRITE_ODIRECT)
        int[] requestCount = {0};
        if (BlkMqPlug.attemptPlugMerge(kernel, this, bio, requestCount, null)) {
            return;
        }
        BlkMqRequest rq = mapRequest(bio); // may sleep in bt_get, which flushes the plug
        BlkPlug plug = BlkPlug.currentPlug(kernel);
        if (plug != null) {
            bioToRequest(rq, bio);
            kernel.putCpu(); // blk_mq_put_ctx(data.ctx)
            if (requestCount[0] >= BlkPlug.BLK_MAX_REQUEST_COUNT) {
                BlkPlug.flushPlugList(kernel, plug, false);
            }
            BlkMqPlug.add(plug, rq);
            return;
        }
        if (!mergeQueueIo(rq.hctx, rq.mqCtx, rq, bio)) {
            runHwQueue(rq.hctx, !isSync);
        }
        kernel.putCpu(); // blk_mq_put_ctx(data.ctx)
    }

    /**
     * {@code blk_mq_make_request(q, bio)}: plug merge; a request; a sync or plugged bio takes the
     * direct path (the limited plug keeps one request, the displaced one or the new one is issued
     * directly, and on BUSY inserted); otherwise ctx merge or insert and a run.
     */
    private void mqMakeRequest(Bio bio) {
        boolean isSync = true; // direct I/O
        int[] requestCount = {0};
        BlkMqRequest[] sameQueueRq = {null};
        if (BlkMqPlug.attemptPlugMerge(kernel, this, bio, requestCount, sameQueueRq)) {
            return;
        }
        BlkMqRequest rq = mapRequest(bio); // may sleep in bt_get, which flushes the plug
        BlkPlug plug = BlkPlug.currentPlug(kernel);
        if (plug != null || isSync) { // no BLK_MQ_F_DEFER_ISSUE
            bioToRequest(rq, bio);
            BlkMqRequest oldRq = null;
            if (plug != null) {
                boolean recheck = !bug(MqBug.PLUG_STALE_SAME_QUEUE_RQ);
                if (sameQueueRq[0] != null && (!recheck || !plug.mqList().isEmpty())) {
                    oldRq = sameQueueRq[0];
                    unlinkQueuelist(plug, oldRq); // list_del_init(&old_rq->queuelist)
                }
                BlkMqPlug.add(plug, rq);
            } else {
                oldRq = rq;
            }
            kernel.putCpu(); // blk_mq_put_ctx(data.ctx)
            if (oldRq == null || directIssueRequest(oldRq)) {
                return;
            }
            if (bug(MqBug.DIRECT_ISSUE_BUSY_DROPPED)) {
                kernel.printk("blk-mq: " + oldRq + " answered BUSY on direct issue and dropped (seeded)");
                return;
            }
            insertRequest(oldRq, false, true, true);
            return;
        }
        if (!mergeQueueIo(rq.hctx, rq.mqCtx, rq, bio)) {
            runHwQueue(rq.hctx, !isSync);
        }
        kernel.putCpu();
    }

    /**
     * {@code list_del_init(&rq->queuelist)}: off the plug, or (only with the seeded stale
     * {@code same_queue_rq}) off whatever ctx list a flush put it on. The kernel unlinks without a
     * lock; the model takes the ctx lock so that Java's list stays intact; the request is lost to its
     * list all the same.
     */
    private void unlinkQueuelist(BlkPlug plug, BlkMqRequest rq) {
        if (plug.mqList().remove(rq)) {
            return;
        }
        BlkMqCtx ctx = rq.mqCtx;
        ctx.lock.lock();
        ctx.rqList.remove(rq);
        ctx.lock.unlock();
    }

    /**
     * {@code blk_mq_direct_issue_request(rq, &cookie)}: {@code queue_rq} on the request's hctx, as
     * the last of its batch, from the submitter (preemption enabled). OK: done; ERROR: ended with
     * {@code -EIO}; BUSY: STARTED cleared, false (the caller inserts it).
     */
    private boolean directIssueRequest(BlkMqRequest rq) {
        BlkMqHwCtx hctx = mapQueueHctx(rq.mqCtx.cpu);
        BlkMqOps.QueueRqResult ret = ops.queueRq(hctx, rq, true);
        if (ret == BlkMqOps.QueueRqResult.OK) {
            return true;
        }
        rq.clearStarted(); // __blk_mq_requeue_request
        if (ret == BlkMqOps.QueueRqResult.ERROR) {
            rq.errors = Errno.EIO.negative();
            endRequest(rq, rq.errors);
            return true;
        }
        busy.incrementAndGet();
        return false;
    }

    /**
     * {@code blk_mq_insert_request(rq, at_head, run_queue, async)}: onto its ctx's list under
     * {@code ctx->lock}, pending bit set; then maybe a run.
     */
    private void insertRequest(BlkMqRequest rq, boolean atHead, boolean runQueue, boolean async) {
        kernel.getCpu(); // current_ctx = blk_mq_get_ctx(q); every CPU stays online
        try {
            BlkMqCtx ctx = rq.mqCtx;
            BlkMqHwCtx hctx = mapQueueHctx(ctx.cpu);
            ctx.lock.lock();
            insertRequest(hctx, ctx, rq, atHead);
            ctx.lock.unlock();
            if (runQueue) {
                runHwQueue(hctx, async);
            }
        } finally {
            kernel.putCpu();
        }
    }

    /**
     * {@code blk_mq_insert_requests(q, ctx, list, depth, from_schedule)}: one ctx's run of a plug
     * flush, appended under {@code ctx->lock} with {@code rq->mq_ctx = ctx}, the pending bit set once;
     * then the ctx's hctx is run, asynchronously when the flush comes from {@code schedule()}.
     */
    void insertRequests(BlkMqCtx ctx, List<BlkMqRequest> list, boolean fromSchedule) {
        kernel.getCpu(); // current_ctx = blk_mq_get_ctx(q)
        try {
            BlkMqHwCtx hctx = mapQueueHctx(ctx.cpu);
            ctx.lock.lock();
            for (BlkMqRequest rq : list) {
                rq.mqCtx = ctx;
                ctx.rqList.addLast(rq); // __blk_mq_insert_req_list
            }
            hctx.markPending(ctx);
            ctx.lock.unlock();
            runHwQueue(hctx, fromSchedule);
        } finally {
            kernel.putCpu(); // blk_mq_put_ctx(current_ctx)
        }
    }

    /** {@code blk_mq_bio_to_request(rq, bio)}: the first bio, and {@code blk_account_io_start(rq, 1)}. */
    private void bioToRequest(BlkMqRequest rq, Bio bio) {
        rq.bioToRequest(bio);
        PartStat st = stats;
        if (st != null) {
            rq.startTime = st.jiffies().get();
            rq.ioStat = true;
            BlkAccount.ioStart(st, rw(rq), true);
        }
    }

    /** {@code blk_account_io_start(rq, 0)} of {@code bio_attempt_{back,front}_merge}: {@code merges[rw]}++. */
    void accountMerge(BlkMqRequest rq) {
        PartStat st = stats;
        if (st != null && rq.ioStat) {
            BlkAccount.ioStart(st, rw(rq), false);
        }
    }

    private static int rw(BlkMqRequest rq) {
        return rq.write ? PartStat.WRITE : PartStat.READ;
    }

    /**
     * {@code blk_mq_map_request(q, bio, &data)}: a request for {@code bio}, with the ctx held
     * (preemption disabled) on return; {@code blk_queue_enter_live} takes its usage reference.
     */
    private BlkMqRequest mapRequest(Bio bio) {
        freeze.usageCounter().get(); // blk_queue_enter_live
        CtxLastTag ctx = getCtx();
        BlkMqAllocData data = BlkMqAllocData.set(this, false, false, ctx, mapQueue(ctx.cpu()));
        BlkMqTagAlloc.RequestTag rt = BlkMqTagAlloc.allocRequestTag(data);
        if (rt == null) {
            runHwQueueNow(hctxs[data.hctx().queueNum()]); // __blk_mq_run_hw_queue(hctx)
            putCtx(ctx);
            ctx = getCtx();
            data = BlkMqAllocData.set(this, true, false, ctx, mapQueue(ctx.cpu()));
            rt = BlkMqTagAlloc.allocRequestTag(data); // bt_get may sleep and move us
            KernelBug.bugOn(rt == null, () -> "blk_mq_map_request: a blocking allocation failed");
        }
        BlkMqRequest rq = (BlkMqRequest) rt.rq();
        rq.init(ctxs[data.ctx().cpu()], hctxs[data.hctx().queueNum()], rt.inflight());
        rq.q = this;
        rq.ioStat = false;
        return rq;
    }

    /**
     * {@code blk_mq_merge_queue_io(hctx, ctx, rq, bio)}: true if {@code bio} was merged into a queued
     * request (and {@code rq} freed); otherwise {@code rq} carries the bio and has been inserted.
     */
    private boolean mergeQueueIo(BlkMqHwCtx hctx, BlkMqCtx ctx, BlkMqRequest rq, Bio bio) {
        boolean mayMerge = (set.flags() & BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE) != 0 && bio.op() != ReqOp.DISCARD;
        ctx.lock.lock();
        if (mayMerge && attemptMerge(ctx, bio)) {
            ctx.lock.unlock();
            merged.incrementAndGet();
            freeRequest(rq);
            return true;
        }
        bioToRequest(rq, bio);
        insertRequest(hctx, ctx, rq, false);
        ctx.lock.unlock();
        return false;
    }

    /** {@code blk_mq_attempt_merge(q, ctx, bio)}: the last 8 requests of {@code ctx->rq_list}, newest first. */
    private boolean attemptMerge(BlkMqCtx ctx, Bio bio) {
        boolean write = bio.op() == ReqOp.WRITE;
        int checked = MERGE_CHECK;
        for (Iterator<BlkMqRequest> it = ctx.rqList.descendingIterator(); it.hasNext(); ) {
            BlkMqRequest rq = it.next();
            if (checked-- <= 0) {
                break;
            }
            if (rq.write != write || ((rq.dataLen + bio.size()) >> Bio.SECTOR_SHIFT) > maxHwSectors) {
                continue; // blk_rq_merge_ok
            }
            if (rq.endSector() == bio.sector()) {
                rq.appendBio(bio); // bio_attempt_back_merge
                accountMerge(rq);
                return true;
            }
            if (bio.endSector() == rq.sector) {
                rq.prependBio(bio); // bio_attempt_front_merge
                accountMerge(rq);
                return true;
            }
        }
        return false;
    }

    /** {@code __blk_mq_insert_request(hctx, rq, at_head)}: {@code ctx->lock} held. */
    private void insertRequest(BlkMqHwCtx hctx, BlkMqCtx ctx, BlkMqRequest rq, boolean atHead) {
        if (atHead) {
            ctx.rqList.addFirst(rq);
        } else {
            ctx.rqList.addLast(rq);
        }
        hctx.markPending(ctx);
    }

    // ---- running a hardware queue --------------------------------------------------------------------

    /**
     * {@code blk_mq_run_hw_queue(hctx, async)}: nothing if stopped or unmapped; inline on this CPU,
     * preemption disabled, if synchronous and this CPU is in the hctx's cpumask; else queue
     * {@code run_work} on kblockd.
     */
    public void runHwQueue(BlkMqHwCtx hctx, boolean async) {
        if (hctx.stopped() || hctx.nrCtx() == 0) {
            return;
        }
        if (!async) {
            int cpu = kernel.getCpu();
            try {
                if (hctx.hasCpu(cpu)) {
                    runHwQueueNow(hctx);
                    return;
                }
            } finally {
                kernel.putCpu();
            }
        }
        hctx.scheduleRunWork();
    }

    /** {@code blk_mq_run_hw_queues(q, async)}: every hctx with something pending. */
    public void runHwQueues(boolean async) {
        for (BlkMqHwCtx h : hctxs) {
            if (h.hasPending() && !h.stopped()) {
                runHwQueue(h, async);
            }
        }
    }

    /** {@code __blk_mq_run_hw_queue(hctx)}. */
    void runHwQueueNow(BlkMqHwCtx hctx) {
        if (hctx.stopped()) {
            return;
        }
        hctx.runs.incrementAndGet();
        Deque<BlkMqRequest> rqList = new ArrayDeque<>();
        flushBusyCtxs(hctx, rqList);
        spliceDispatch(hctx, rqList);
        dispatchList(hctx, rqList);
        if (!rqList.isEmpty()) {
            if (bug(MqBug.BUSY_LEFTOVERS_DROPPED)) {
                kernel.printk("blk-mq: " + rqList.size() + " BUSY leftovers of " + hctx + " dropped (seeded)");
                return;
            }
            hctx.lock.lock();
            try {
                while (!rqList.isEmpty()) {
                    hctx.dispatch.addFirst(rqList.pollLast()); // list_splice onto the head
                }
            } finally {
                hctx.lock.unlock();
            }
            runHwQueue(hctx, true);
        }
    }

    /** {@code flush_busy_ctxs(hctx, list)}: per pending bit, clear it, then splice that ctx's list. */
    private void flushBusyCtxs(BlkMqHwCtx hctx, Deque<BlkMqRequest> list) {
        long map = hctx.ctxMap();
        boolean clearAfter = bug(MqBug.CTX_PENDING_CLEARED_AFTER_SPLICE);
        for (int bit = 0; bit < hctx.nrCtx(); bit++) {
            if ((map & (1L << bit)) == 0) {
                continue;
            }
            BlkMqCtx ctx = hctx.ctxs.get(bit);
            if (!clearAfter) {
                hctx.clearPending(bit);
            }
            ctx.lock.lock();
            try {
                list.addAll(ctx.rqList); // list_splice_tail_init
                ctx.rqList.clear();
            } finally {
                ctx.lock.unlock();
            }
            afterSplice.run();
            if (clearAfter) {
                hctx.clearPending(bit); // seeded: an insert since the splice loses its bit
            }
        }
    }

    /** {@code list_splice_init(&hctx->dispatch, &rq_list)} under {@code hctx->lock}: dispatch goes first. */
    private void spliceDispatch(BlkMqHwCtx hctx, Deque<BlkMqRequest> list) {
        hctx.lock.lock();
        try {
            while (!hctx.dispatch.isEmpty()) {
                list.addFirst(hctx.dispatch.pollLast());
            }
        } finally {
            hctx.lock.unlock();
        }
    }

    /** The {@code queue_rq} loop of {@code __blk_mq_run_hw_queue}; BUSY leaves the rest in {@code list}. */
    private void dispatchList(BlkMqHwCtx hctx, Deque<BlkMqRequest> list) {
        while (!list.isEmpty()) {
            BlkMqRequest rq = list.pollFirst();
            BlkMqOps.QueueRqResult ret = ops.queueRq(hctx, rq, list.isEmpty());
            switch (ret) {
                case OK -> {
                }
                case BUSY -> {
                    busy.incrementAndGet();
                    list.addFirst(rq);
                    rq.clearStarted(); // __blk_mq_requeue_request
                    return;
                }
                case ERROR -> {
                    rq.errors = Errno.EIO.negative();
                    endRequest(rq, rq.errors);
                }
            }
        }
    }

    /** {@code blk_mq_stop_hw_queue(hctx)}: cancel {@code run_work}, set STOPPED. */
    public void stopHwQueue(BlkMqHwCtx hctx) {
        hctx.takeRunWork();
        hctx.setStopped();
    }

    /** {@code blk_mq_start_hw_queue(hctx)}: clear STOPPED, run synchronously. */
    public void startHwQueue(BlkMqHwCtx hctx) {
        hctx.clearStopped();
        runHwQueue(hctx, false);
    }

    /** {@code blk_mq_start_stopped_hw_queues(q, async)}. */
    public void startStoppedHwQueues(boolean async) {
        for (BlkMqHwCtx h : hctxs) {
            if (h.stopped()) {
                h.clearStopped();
                runHwQueue(h, async);
            }
        }
    }

    // ---- the request's life --------------------------------------------------------------------------

    /** {@code blk_mq_start_request(rq)}: deadline, barrier, STARTED; COMPLETE cleared. */
    public void startRequest(BlkMqRequest rq) {
        rq.checkLive("blk_mq_start_request");
        rq.deadline = jiffies.get() + rqTimeout; // blk_add_timer
        rq.setStarted();
        if (rq.completeMarked()) {
            rq.clearComplete();
        }
    }

    /**
     * {@code blk_mq_complete_request(rq, error)}: claim {@code REQ_ATOM_COMPLETE}; the winner sets
     * {@code rq->errors} and finishes. False if someone (the timeout scan) had claimed it.
     */
    public boolean completeRequest(BlkMqRequest rq, int error) {
        if (rq.markComplete()) {
            return false;
        }
        rq.errors = error;
        finishComplete(rq);
        return true;
    }

    /** {@code __blk_mq_complete_request(rq)}. */
    private void finishComplete(BlkMqRequest rq) {
        Consumer<BlkMqRequest> done = ops.complete();
        if (done == null) {
            endRequest(rq, rq.errors);
            return;
        }
        if (!sameComp) {
            done.accept(rq);
            return;
        }
        int cpu = kernel.getCpu();
        try {
            int target = rq.mqCtx.cpu;
            if (cpu != target) {
                kernel.smpCallFunctionSingleAsync(target, "__blk_mq_complete_request_remote", () -> done.accept(rq));
            } else {
                done.accept(rq);
            }
        } finally {
            kernel.putCpu();
        }
    }

    /**
     * {@code blk_mq_end_request(rq, error)}: {@code blk_update_request} for every byte (its
     * {@code blk_account_io_completion}, then each bio ends), then {@code __blk_mq_end_request}:
     * {@code blk_account_io_done}, and free.
     */
    public void endRequest(BlkMqRequest rq, int error) {
        rq.checkLive("blk_update_request");
        PartStat st = rq.ioStat ? stats : null;
        int rw = rw(rq);
        long startTime = rq.startTime;
        if (st != null) {
            BlkAccount.ioCompletion(st, rw, rq.dataLen);
        }
        rq.endBios(error);
        if (st != null && !(error != 0 && bug(MqBug.ACCOUNT_DONE_SKIPPED_ON_ERROR))) {
            BlkAccount.ioDone(st, rw, startTime);
        }
        freeRequest(rq); // __blk_mq_end_request: no end_io, so blk_mq_free_request
    }

    /** {@code blk_mq_free_request(rq)}: {@code nr_active}, STARTED cleared, tag back, usage reference dropped. */
    private void freeRequest(BlkMqRequest rq) {
        BlkMqHwCtx hctx = mapQueueHctx(rq.mqCtx.cpu);
        rq.clearStarted();
        boolean inflight = rq.inflight;
        BlkMqCtx ctx = rq.mqCtx;
        rq.markFreed();
        BlkMqTagAlloc.freeRequestTag(new BlkMqTagAlloc.RequestTag(rq.tag, hctx.tagState, ctx.lastTag, inflight, rq));
        freeze.exit();
    }

    // ---- timeout -------------------------------------------------------------------------------------

    /**
     * {@code blk_mq_rq_timer}: walk every hctx's busy tags of this queue ({@code blk_mq_check_expired});
     * a started request past its deadline whose COMPLETE bit this scan wins goes to
     * {@code blk_mq_rq_timed_out}. If no started request is still within its deadline (the timer is not
     * re-armed), every mapped hctx goes idle ({@code blk_mq_tag_idle}). Returns how many timed out.
     */
    public int timeoutScan() {
        long now = jiffies.get();
        List<BlkMqRequest> expired = new ArrayList<>();
        boolean[] nextSet = {false};
        for (BlkMqHwCtx h : hctxs) {
            if (h.nrCtx() == 0) {
                continue;
            }
            h.tagState.tags().busyIter((tag, o, reserved) -> {
                BlkMqRequest rq = (BlkMqRequest) o;
                if (!owns(rq) || !rq.started()) {
                    return; // bt_for_each: another queue's request on a shared map
                }
                if (now - rq.deadline < 0) {
                    nextSet[0] = true; // data->next_set: the timer is re-armed for it
                    return;
                }
                if (!rq.markComplete()) {
                    expired.add(rq);
                }
            });
        }
        for (BlkMqRequest rq : expired) {
            rqTimedOut(rq);
        }
        if (!nextSet[0]) {
            for (BlkMqHwCtx h : hctxs) {
                if (h.nrCtx() > 0) {
                    h.tagState.tagIdle(!bug(MqBug.TAG_IDLE_NO_WAKE)); // blk_mq_tag_idle: the queue went quiet
                }
            }
        }
        return expired.size();
    }

    /** {@code blk_mq_rq_timed_out(req, reserved)}. */
    private void rqTimedOut(BlkMqRequest rq) {
        if (!rq.started()) {
            return;
        }
        switch (ops.timeout(rq)) {
            case HANDLED -> {
                timedOut.incrementAndGet();
                finishComplete(rq);
            }
            case RESET_TIMER -> {
                rq.deadline = jiffies.get() + rqTimeout;
                rq.clearComplete();
            }
            case NOT_HANDLED -> {
            }
        }
    }

    // ---- requeue -------------------------------------------------------------------------------------

    /**
     * {@code blk_mq_requeue_request(rq)}: STARTED cleared, then onto {@code q->requeue_list} (at the
     * head, {@code REQ_SOFTBARRIER}); the driver kicks the list with {@link #kickRequeueList}.
     */
    public void requeueRequest(BlkMqRequest rq) {
        rq.checkLive("blk_mq_requeue_request");
        rq.clearStarted();
        requeued.incrementAndGet();
        boolean flags = requeueLock.lockIrqsave();
        try {
            requeueList.addFirst(rq);
        } finally {
            requeueLock.unlockIrqrestore(flags);
        }
    }

    /** {@code blk_mq_kick_requeue_list(q)}: {@code kblockd_schedule_work(&q->requeue_work)}. */
    public void kickRequeueList() {
        requeueWork.set(true);
    }

    /**
     * {@code blk_mq_requeue_work}: splice the requeue list, insert each request at the head of its
     * ctx's list (pending bit set), then {@code blk_mq_start_hw_queues}: every hctx run synchronously.
     */
    private void requeueWorkFn() {
        List<BlkMqRequest> list = new ArrayList<>();
        boolean flags = requeueLock.lockIrqsave();
        try {
            list.addAll(requeueList);
            requeueList.clear();
        } finally {
            requeueLock.unlockIrqrestore(flags);
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            BlkMqRequest rq = list.get(i);
            BlkMqCtx ctx = rq.mqCtx;
            BlkMqHwCtx hctx = mapQueueHctx(ctx.cpu);
            ctx.lock.lock();
            insertRequest(hctx, ctx, rq, true);
            ctx.lock.unlock();
        }
        for (BlkMqHwCtx h : hctxs) {
            startHwQueue(h);
        }
    }

    /**
     * Lets kblockd run once, in the current task (process context, preemption enabled): each pending
     * {@code run_work} ({@code blk_mq_run_work_fn}: {@code __blk_mq_run_hw_queue}) and the requeue
     * work. True if anything ran.
     */
    public boolean runPendingWork() {
        kernel.mightSleep("kblockd work");
        boolean ran = false;
        if (requeueWork.getAndSet(false)) {
            requeueWorkFn();
            ran = true;
        }
        for (BlkMqHwCtx h : hctxs) {
            if (h.takeRunWork()) {
                runHwQueueNow(h);
                ran = true;
            }
        }
        return ran;
    }

    /** Whether kblockd has work of this queue pending. */
    public boolean workPending() {
        if (requeueWork.get()) {
            return true;
        }
        for (BlkMqHwCtx h : hctxs) {
            if (h.runWorkPending()) {
                return true;
            }
        }
        return false;
    }

    /** Requests queued (ctx lists, dispatch lists, requeue list) and tags held: "" when idle. */
    public String inFlightReport() {
        StringBuilder b = new StringBuilder();
        for (BlkMqCtx c : ctxs) {
            int n = c.queued();
            if (n > 0) {
                b.append("; ").append(n).append(" on ").append(c).append(".rq_list");
            }
        }
        for (BlkMqHwCtx h : hctxs) {
            int d = h.dispatchLength();
            if (d > 0) {
                b.append("; ").append(d).append(" on ").append(h).append(".dispatch");
            }
            if (h.stopped()) {
                b.append("; ").append(h).append(" stopped");
            }
            int[] held = {0};
            h.tagState.tags().busyIter((t, o, r) -> held[0] += owns((BlkMqRequest) o) ? 1 : 0);
            if (held[0] > 0) {
                b.append("; ").append(held[0]).append(" tag(s) of ").append(h).append(" held");
            }
        }
        boolean flags = requeueLock.lockIrqsave();
        try {
            if (!requeueList.isEmpty()) {
                b.append("; ").append(requeueList.size()).append(" on requeue_list");
            }
        } finally {
            requeueLock.unlockIrqrestore(flags);
        }
        if (workPending()) {
            b.append("; kblockd work pending");
        }
        return b.toString().replaceFirst("^; ", "");
    }
}
