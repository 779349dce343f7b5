package dev.mybrd.driver;

import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.blkmq.BlkMqHwCtx;
import dev.mybrd.blkmq.BlkMqOps;
import dev.mybrd.blkmq.BlkMqQueue;
import dev.mybrd.blkmq.BlkMqRequest;
import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.blkmq.MqBug;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * mybrd in {@code queue_mode = MYBRD_Q_MQ} (spec 2.6): its tag set ({@code nr_hw_queues} =
 * {@code submit_queues}, {@code queue_depth} = {@code hw_queue_depth}, no reserved tags, a PDU of
 * {@code cmd_size} bytes, {@code BLK_MQ_F_SHOULD_MERGE}), {@code mybrd_queue_rq}, and, as in
 * request-mode, null_blk's irqmodes and fault injection.
 *
 * <p><b>queue_rq.</b> mybrd starts the request, moves the data and ends it, all inside
 * {@code queue_rq}. v4.4 calls {@code queue_rq} with preemption disabled on the synchronous run path,
 * and moving a write may allocate a page with {@code GFP_NOIO}, which may sleep: "scheduling while
 * atomic" (spec 2.8 item 5, {@link Bug#MQ_TRANSFER_IN_QUEUE_RQ}). The default model does what v4.4's
 * loop driver does ({@code loop_queue_rq} queues {@code cmd->work}): {@code queue_rq} starts the
 * request and hands it to a work item that runs in process context ({@link #runWork}), which moves the
 * data and completes the request with the transfer's status. mybrd ends with 0 whatever the transfer
 * said ({@link Bug#QUEUE_RQ_SWALLOWS_ERROR}, spec 2.8 item 4).
 *
 * <p><b>Completion</b> by irqmode: none, {@code blk_mq_end_request} in the work item; softirq,
 * {@code blk_mq_complete_request} with {@code QUEUE_FLAG_SAME_COMP}, so the done function runs on the
 * submitting CPU (by IPI if needed); timer, onto a completion list that the timer ends later. With
 * timeout injection every irqmode completes through {@code blk_mq_complete_request}, which claims
 * {@code REQ_ATOM_COMPLETE} against the timeout scan; ending directly instead is
 * {@link Bug#COMPLETION_AND_TIMEOUT_BOTH_END}.
 *
 * <p><b>Injection</b> (every Nth {@code queue_rq} call, counted atomically; one per call, fail before
 * timeout before requeue before busy): busy answers
 * {@code BLK_MQ_RQ_QUEUE_BUSY} (once per request, so {@code busy=1} still progresses); fail answers
 * {@code BLK_MQ_RQ_QUEUE_ERROR}; requeue starts the request and gives it back with
 * {@code blk_mq_requeue_request} and a kick of the requeue list (once per request); timeout starts it
 * and drops it: the driver's {@code timeout} op sets {@code -EIO} and answers {@code BLK_EH_HANDLED}
 * (mybrd has no timeout op; v4.4's default would re-arm the timer forever); for a request its work
 * item still holds it answers {@code BLK_EH_RESET_TIMER}, since the work will complete it.
 *
 * <p><b>Shared tag set.</b> mybrd allocates a tag set per disk. {@link MyBrd#sharedTagSet} builds
 * several disks on one set, as null_blk's {@code shared_tags} does since v5.x: each disk's queue is
 * then {@code BLK_MQ_F_TAG_SHARED}, its allocations count in {@code nr_active} and are limited to a
 * fair share of the set's depth ({@link dev.mybrd.blkmq.BlkMqQueue}).
 */
final class MyBrdMqMode {
    /** The PDU: a stand-in for {@code sizeof(struct mybrd_device)}, which mybrd copies into it. */
    static final int CMD_SIZE = 64;

    private final MyBrd brd;
    private final Kernel kernel;
    private final MyBrd.Config config;
    private final BlkMqTagSet tagSet;
    private final BlkMqQueue mq;
    private final RequestQueue front;
    private final AtomicLong calls = new AtomicLong();
    private final Set<BlkMqRequest> busied = identitySet();
    private final Set<BlkMqRequest> requeuedOnce = identitySet();
    /** The driver's work items: started requests whose data has not moved yet. */
    private final ConcurrentLinkedQueue<BlkMqRequest> work = new ConcurrentLinkedQueue<>();
    /** irqmode=timer: requests waiting for the completion timer. */
    private final ConcurrentLinkedQueue<BlkMqRequest> timerList = new ConcurrentLinkedQueue<>();
    /** Requests the driver still works on (on {@link #work} or {@link #timerList}); its timeout op asks. */
    private final Set<BlkMqRequest> held = identitySet();
    private final boolean claimCompletion;
    private volatile String lastReport = "";

    private static Set<BlkMqRequest> identitySet() {
        return Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** mybrd's {@code blk_mq_alloc_tag_set}: {@code submit_queues} x {@code hw_queue_depth}, a PDU, merging. */
    static BlkMqTagSet allocTagSet(Kernel kernel, MyBrd.Config config) {
        return new BlkMqTagSet(kernel, config.submitQueues(), config.hwQueueDepth(), 0, CMD_SIZE,
                BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE);
    }

    /** The mq half of {@code brd}: on its own tag set, or on {@code sharedSet} if not null. */
    MyBrdMqMode(MyBrd brd, Kernel kernel, MyBrd.Config config, QueueLimits limits, BlkMqTagSet sharedSet) {
        this.brd = brd;
        this.kernel = kernel;
        this.config = config;
        this.tagSet = sharedSet != null ? sharedSet : allocTagSet(kernel, config);
        Set<MqBug> mqBugs = EnumSet.noneOf(MqBug.class);
        for (Bug b : config.bugs()) {
            MqBug core = MyBrd.mqCoreBug(b);
            if (core != null) {
                mqBugs.add(core);
            }
        }
        boolean timeouts = config.injection().timeoutEvery() > 0;
        this.claimCompletion = config.irqMode() != IrqMode.NONE || timeouts;
        this.mq = new BlkMqQueue(kernel, "mybrd", tagSet, new Ops(timeouts), limits.maxHwSectors(), mqBugs);
        mq.setSameComp(true);
        mq.setStats(brd.stats()); // mq queues account every request (QUEUE_FLAG_IO_STAT)
        this.front = new RequestQueue((q, bio) -> mq.makeRequest(bio), limits, brd);
        BlkPlug.hook(kernel); // blk_schedule_flush_plug before the workers' turn below
        kernel.addSchedSubmitWork(t -> {
            if (!kernel.thisCpu().inAtomic() && !kernel.thisCpu().irqsDisabled()) {
                backgroundTurn();
            }
        });
    }

    /**
     * The work queues get the CPU: the driver's work item and kblockd's pending work run. The model
     * has no kworker threads; it runs them where the kernel would let them run on this CPU: after
     * {@code submit_bio} returns, and (with the timers, {@link #backgroundTurn}) when a task goes to
     * sleep, e.g. a submitter waiting in {@code bt_get} for a tag held by a request whose work is
     * queued or which only the timeout will end, and in {@link #drain}.
     */
    void letWorkersRun() {
        if (kernel.thisCpu().inAtomic() || kernel.thisCpu().irqsDisabled()) {
            return; // not a point where a worker can run
        }
        mq.runPendingWork();
        runWork();
    }

    RequestQueue queue() {
        return front;
    }

    BlkMqQueue mq() {
        return mq;
    }

    private boolean bug(Bug b) {
        return config.bugs().contains(b);
    }

    /** {@code mybrd_mq_ops}. */
    private final class Ops implements BlkMqOps {
        private final boolean timeouts;

        Ops(boolean timeouts) {
            this.timeouts = timeouts;
        }

        @Override
        public QueueRqResult queueRq(BlkMqHwCtx hctx, BlkMqRequest rq, boolean last) {
            return MyBrdMqMode.this.queueRq(rq);
        }

        @Override
        public Consumer<BlkMqRequest> complete() {
            return config.irqMode() == IrqMode.SOFTIRQ ? MyBrdMqMode.this::softirqDoneFn : null;
        }

        @Override
        public RequestQueue.EhTimerReturn timeout(BlkMqRequest rq) {
            if (!timeouts || held.contains(rq) && !bug(Bug.COMPLETION_AND_TIMEOUT_BOTH_END)) {
                return RequestQueue.EhTimerReturn.RESET_TIMER; // still ours: it will complete
            }
            rq.setErrors(Errno.EIO.negative());
            return RequestQueue.EhTimerReturn.HANDLED;
        }
    }

    /** {@code mybrd_queue_rq(hctx, bd)}. */
    private BlkMqOps.QueueRqResult queueRq(BlkMqRequest rq) {
        long seq = calls.incrementAndGet();
        Injection inj = config.injection();
        // One injection per call, in this order, so that busy=500,timeout=1000 still times out.
        boolean fail = inj.fires(Injection.Kind.FAIL, seq);
        boolean drop = !fail && inj.fires(Injection.Kind.TIMEOUT, seq);
        boolean requeue = !fail && !drop && inj.fires(Injection.Kind.REQUEUE, seq) && requeuedOnce.add(rq);
        if (!requeue) {
            requeuedOnce.remove(rq);
        }
        if (!fail && !drop && !requeue && inj.fires(Injection.Kind.BUSY, seq) && busied.add(rq)) {
            return BlkMqOps.QueueRqResult.BUSY;
        }
        busied.remove(rq);
        if (fail) {
            return BlkMqOps.QueueRqResult.ERROR;
        }
        if (!drop) {
            held.add(rq); // before it is started: the timeout op must see it as ours
        }
        mq.startRequest(rq);
        rq.setSpecial(brd);
        if (requeue) {
            mq.requeueRequest(rq);
            held.remove(rq);
            mq.kickRequeueList();
            return BlkMqOps.QueueRqResult.OK;
        }
        if (drop) {
            kernel.printk("mybrd: drop " + rq + " (timeout injection)");
            return BlkMqOps.QueueRqResult.OK;
        }
        if (bug(Bug.MQ_COMPLETE_WITHOUT_TRANSFER)) {
            complete(rq, 0); // seeded (3ba077f's order): done, and the data never move
            return BlkMqOps.QueueRqResult.OK;
        }
        if (bug(Bug.MQ_TRANSFER_IN_QUEUE_RQ)) {
            complete(rq, transfer(rq)); // mybrd: the data moves here, preemption may be off
        } else {
            work.add(rq); // queue_work: moved in process context
        }
        return BlkMqOps.QueueRqResult.OK;
    }

    /**
     * The driver's work function, in process context: move each queued request's data and complete
     * it. Returns how many it handled.
     */
    int runWork() {
        kernel.mightSleep("mybrd mq work");
        int n = 0;
        BlkMqRequest rq;
        while ((rq = work.poll()) != null) {
            complete(rq, transfer(rq));
            n++;
        }
        return n;
    }

    /** Ends or completes {@code rq} with the transfer's status (0 with the seeded swallow). */
    private void complete(BlkMqRequest rq, int err) {
        if (bug(Bug.QUEUE_RQ_SWALLOWS_ERROR)) {
            err = 0; // mybrd_queue_rq: blk_mq_end_request(req, 0) whatever _mybrd_request_fn said
        }
        if (config.irqMode() == IrqMode.TIMER) {
            rq.setErrors(err);
            timerList.add(rq); // still held until the timer completes it
            return;
        }
        held.remove(rq);
        if (config.irqMode() == IrqMode.SOFTIRQ || claimCompletion && !bug(Bug.COMPLETION_AND_TIMEOUT_BOTH_END)) {
            mq.completeRequest(rq, err);
        } else {
            mq.endRequest(rq, err);
        }
    }

    /** {@code mybrd_softirq_done_fn} for mq: ends with the status left in {@code rq->errors}. */
    private void softirqDoneFn(BlkMqRequest rq) {
        mq.endRequest(rq, rq.errors());
    }

    /** The completion timer of {@code irqmode=timer}: {@code blk_mq_complete_request} for each. */
    int fireTimer() {
        int n = 0;
        BlkMqRequest rq;
        while ((rq = timerList.poll()) != null) {
            held.remove(rq);
            if (bug(Bug.COMPLETION_AND_TIMEOUT_BOTH_END)) {
                mq.endRequest(rq, rq.errors()); // seeded: no REQ_ATOM_COMPLETE claim
            } else {
                mq.completeRequest(rq, rq.errors());
            }
            n++;
        }
        return n;
    }

    /** {@code _mybrd_request_fn(req)}: every segment of every bio; 0 or a negative errno. */
    private int transfer(BlkMqRequest rq) {
        if (rq.special() != brd) {
            return Errno.EIO.negative();
        }
        return brd.transferBios(rq.pos(), rq.bios());
    }

    // ---- quiescence ------------------------------------------------------------------------------

    String inFlightReport() {
        StringBuilder b = new StringBuilder(mq.inFlightReport());
        if (!work.isEmpty()) {
            b.append("; ").append(work.size()).append(" on the driver's work list");
        }
        if (!timerList.isEmpty()) {
            b.append("; ").append(timerList.size()).append(" waiting for the completion timer");
        }
        if (kernel.ipisPending()) {
            b.append("; IPIs not taken");
        }
        return b.toString().replaceFirst("^; ", "");
    }

    /**
     * Gives every CPU turns until nothing is in flight: kblockd's pending work, the driver's work
     * item, the completion timer, IPIs; a round that made no progress lets the request timeout pass
     * and fires the timeout scan. Bounded by {@code timeoutNanos}; false with the report otherwise.
     */
    boolean drain(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("drain: timeout must be positive, got " + timeoutNanos);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            String report = kernel.runOn(0, "drain", this::inFlightReport);
            if (report.isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                kernel.printk("mybrd: drain gave up; still in flight: " + report);
                lastReport = report;
                return false;
            }
            long[] progress = {0};
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "drain/" + cpu, () -> {
                    progress[0] += turn();
                });
            }
            if (progress[0] == 0) {
                kernel.runOn(0, "drain/timer", this::expire);
                Thread.yield();
            }
        }
    }

    /** IPIs, kblockd's work, the driver's work, the completion timer: how much ran. */
    private long turn() {
        kernel.handlePendingIpis();
        long n = mq.runPendingWork() ? 1 : 0;
        n += runWork() + fireTimer();
        kernel.handlePendingIpis();
        return n;
    }

    /** The request timeout passes: the timeout scan runs. */
    private void expire() {
        mq.advanceJiffies(mq.rqTimeout());
        mq.timeoutScan();
    }

    /**
     * {@link MyBrd#backgroundTurn}. Time jumps by the request timeout only when it can matter and
     * cannot mislead: with timeout injection, when the driver holds no request. (A scan that claims a
     * request the driver is completing re-arms it with {@code BLK_EH_RESET_TIMER} and clears
     * {@code REQ_ATOM_COMPLETE}; v4.4 loses a completion that lands in between. Jumping 30 s at every
     * idle turn would make that window frequent, which real time does not.)
     */
    void backgroundTurn() {
        if (turn() == 0 && config.injection().timeoutEvery() > 0 && held.isEmpty()) {
            expire();
        }
    }

    String lastReport() {
        return lastReport;
    }
}
