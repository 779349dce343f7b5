package dev.mybrd.driver;

import dev.mybrd.block.BlkBug;
import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkSoftirq;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.workqueue.TimerList;
import dev.mybrd.workqueue.Timers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * mybrd in {@code queue_mode = MYBRD_Q_RQ} (spec 2.4, 2.5): {@code mybrd_queue_lock},
 * {@code mybrd_prep_rq_fn}, {@code mybrd_request_fn}, {@code mybrd_softirq_done_fn}, and, from
 * null_blk, the timer completion of {@code irqmode=timer} and the fault injection.
 *
 * <p><b>request_fn</b> is entered with {@code mybrd_queue_lock} held and IRQs off. It fetches a
 * request, drops the lock with {@code spin_unlock_irq}, works on it, and retakes the lock before
 * the next fetch; other CPUs may be inside it at the same time, each with its own request. The work:
 * <ul>
 *   <li>{@code irqmode=none}: move the data, then {@code blk_end_request_all(req, err)} inline;</li>
 *   <li>{@code irqmode=softirq}: move the data here, in process context where allocation may sleep,
 *       leave the result in {@code req->errors} and {@code blk_complete_request(req)}; the
 *       {@code BLOCK_SOFTIRQ} done function only ends the request. mybrd's own branches differ: the
 *       ch04-softirq branch moves the data in the softirq ({@link Bug#SOFTIRQ_DONE_TRANSFER}, sleeping
 *       in atomic context), master moves none ({@link Bug#SOFTIRQ_DONE_NO_TRANSFER}), and commit
 *       86b61d1 ended each request twice ({@link Bug#DOUBLE_COMPLETION});</li>
 *   <li>{@code irqmode=timer}: move the data, then queue the request on this CPU's completion list
 *       (null_blk's {@code llist} + timer, {@code null_cmd_end_timer}); the timer, after
 *       {@code completion_nsec} rounded up to a jiffy, ends everything on the list. null_blk uses an
 *       hrtimer (hardirq context); the model's timer wheel runs it in the timer softirq.</li>
 * </ul>
 *
 * <p><b>Injection</b> (every Nth request the driver fetches, counted under the lock): fail ends it
 * with {@code -EIO} without touching data; requeue gives it back with {@code blk_requeue_request},
 * stops this run and asks kblockd to run the queue again (a request is requeued at most once, so
 * {@code requeue=1} still makes progress); timeout drops it: the driver then has an
 * {@code rq_timed_out_fn} that sets {@code -EIO} and answers {@code BLK_EH_HANDLED}, so the block
 * layer's timeout ends it through the softirq path. (v4.4 arms no timeout for a driver without
 * {@code rq_timed_out_fn}, which mybrd and null_blk were: a dropped request would hang forever.)
 * Because a timeout and a completion must not both end a request, with timeout injection every
 * irqmode ends requests through {@code blk_complete_request}, which claims {@code REQ_ATOM_COMPLETE}.
 *
 * <p><b>prep_rq_fn</b> sets {@code req->special = mybrd}. mybrd kills any request whose
 * {@code special} is already set ({@link Bug#PREP_NOT_IDEMPOTENT}); the model accepts one it prepared
 * itself, so a requeued request is not killed.
 */
final class MyBrdRequestMode {
    private final MyBrd brd;
    private final Kernel kernel;
    private final MyBrd.Config config;
    private final SpinLock queueLock;
    private final RequestQueue q;
    private final Timers timers;
    /** Under {@code queue_lock}: requests fetched so far, and the ones requeued once. */
    private long fetched;
    private final AtomicLong requeues = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final Set<Request> requeued = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Requests the driver holds (fetched, not yet ended), for drain's report; under its own monitor. */
    private final Set<Request> held = Collections.newSetFromMap(new IdentityHashMap<>());
    private final boolean claimCompletion;
    /** Per-CPU completion lists and timers of {@code irqmode=timer}. */
    private final AtomicReference<Node>[] cq;
    private final TimerList[] cqTimer;

    private record Node(Request rq, Node next) {
    }

    @SuppressWarnings("unchecked")
    MyBrdRequestMode(MyBrd brd, Kernel kernel, MyBrd.Config config, QueueLimits limits, PartStat stats) {
        this.brd = brd;
        this.kernel = kernel;
        this.config = config;
        this.queueLock = new SpinLock(kernel, "mybrd_queue_lock");
        Set<BlkBug> blkBugs = EnumSet.noneOf(BlkBug.class);
        if (config.bugs().contains(Bug.GET_REQUEST_REGISTER_AFTER_UNLOCK)) {
            blkBugs.add(BlkBug.GET_REQUEST_REGISTER_AFTER_UNLOCK);
        }
        if (config.bugs().contains(Bug.MERGE_INTO_STARTED)) {
            blkBugs.add(BlkBug.MERGE_INTO_STARTED);
        }
        this.q = RequestQueue.initQueue(kernel, this::requestFn, queueLock, limits, brd, stats, blkBugs);
        this.timers = q.timers();
        q.setPrepRqFn(this::prepRqFn);
        boolean timeouts = config.injection().timeoutEvery() > 0;
        this.claimCompletion = config.irqMode() == IrqMode.SOFTIRQ || timeouts;
        if (claimCompletion) {
            q.setSoftirqDoneFn(this::softirqDoneFn);
        }
        if (timeouts) {
            q.setRqTimedOutFn(this::timedOut);
        }
        cq = new AtomicReference[kernel.nrCpus()];
        cqTimer = new TimerList[kernel.nrCpus()];
        for (int i = 0; i < cq.length; i++) {
            int cpu = i;
            cq[i] = new AtomicReference<>();
            cqTimer[i] = new TimerList("mybrd cq" + i + ".timer", () -> endTimer(cpu), 0);
        }
    }

    RequestQueue queue() {
        return q;
    }

    /** Requests handed back with {@code blk_requeue_request} so far. */
    long requeues() {
        return requeues.get();
    }

    /** Requests the block layer's timeout ended so far. */
    long timeouts() {
        return timeouts.get();
    }

    SpinLock queueLock() {
        return queueLock;
    }

    private boolean bug(Bug b) {
        return config.bugs().contains(b);
    }

    // ---- prep_rq_fn ------------------------------------------------------------------------------

    /** {@code mybrd_prep_rq_fn(q, req)}: queue_lock held. */
    private RequestQueue.Prep prepRqFn(Request req) {
        Object special = req.special();
        if (special != null && (special != brd || bug(Bug.PREP_NOT_IDEMPOTENT))) {
            kernel.printk("mybrd: prep_rq_fn: " + req + " already prepared: kill");
            return RequestQueue.Prep.KILL;
        }
        req.setSpecial(brd);
        return RequestQueue.Prep.OK;
    }

    // ---- request_fn ------------------------------------------------------------------------------

    /** {@code mybrd_request_fn(q)}: queue_lock held, IRQs off, on entry and on return. */
    private void requestFn(RequestQueue rq) {
        Request req;
        while ((req = BlkDispatch.blkFetchRequest(q)) != null) {
            long seq = ++fetched;
            boolean requeue = config.injection().fires(dev.mybrd.driver.Injection.Kind.REQUEUE, seq)
                    && requeued.add(req);
            if (requeue) {
                BlkEnd.blkRequeueRequest(q, req);
                requeues.incrementAndGet();
                BlkDispatch.blkRunQueueAsync(q); // blk_delay_queue: kblockd runs it later
                kernel.printk("mybrd: requeue " + req);
                return;
            }
            requeued.remove(req);
            synchronized (held) {
                held.add(req);
            }
            queueLock.unlockIrq();
            handle(req, seq);
            queueLock.lockIrq();
        }
    }

    /** One fetched request, with the lock dropped: inject, move the data, complete. */
    private void handle(Request req, long seq) {
        Injection inj = config.injection();
        if (inj.fires(Injection.Kind.TIMEOUT, seq)) {
            kernel.printk("mybrd: drop " + req + " (timeout injection)");
            return;
        }
        boolean fail = inj.fires(Injection.Kind.FAIL, seq);
        switch (config.irqMode()) {
            case NONE -> {
                int err = fail ? Errno.EIO.negative() : transfer(req);
                if (claimCompletion) {
                    completeLater(req, err);
                } else {
                    end(req, err);
                }
            }
            case SOFTIRQ -> {
                boolean transferHere = !bug(Bug.SOFTIRQ_DONE_TRANSFER) && !bug(Bug.SOFTIRQ_DONE_NO_TRANSFER)
                        && !bug(Bug.DOUBLE_COMPLETION);
                int err = fail ? Errno.EIO.negative() : transferHere ? transfer(req) : 0;
                completeLater(req, err);
                if (bug(Bug.DOUBLE_COMPLETION)) {
                    end(req, err); // 86b61d1: ended here too, before the softirq runs
                }
            }
            case TIMER -> {
                int err = fail ? Errno.EIO.negative() : transfer(req);
                req.setErrors(err);
                endCmdTimer(req);
            }
        }
    }

    /** {@code req->errors = err; blk_complete_request(req)}. */
    private void completeLater(Request req, int err) {
        req.setErrors(err);
        BlkSoftirq.blkCompleteRequest(req);
    }

    private void end(Request req, int err) {
        synchronized (held) {
            held.remove(req);
        }
        BlkEnd.blkEndRequestAll(req, err);
    }

    /** {@code mybrd_softirq_done_fn(req)}: in {@code BLOCK_SOFTIRQ}. */
    private void softirqDoneFn(Request req) {
        req.listDelInit();
        int err = req.errors();
        if (err == 0 && (bug(Bug.SOFTIRQ_DONE_TRANSFER) || bug(Bug.DOUBLE_COMPLETION))) {
            err = transfer(req); // ch04-request-mode-softirq: data moved in softirq context
        }
        end(req, err);
    }

    /** The driver's {@code rq_timed_out_fn} (model addition, see the class comment). */
    private RequestQueue.EhTimerReturn timedOut(Request req) {
        timeouts.incrementAndGet();
        req.setErrors(Errno.EIO.negative());
        return RequestQueue.EhTimerReturn.HANDLED;
    }

    // ---- irqmode=timer ---------------------------------------------------------------------------

    /** {@code null_cmd_end_timer}: onto this CPU's list; the first entry arms the CPU's timer. */
    private void endCmdTimer(Request req) {
        int cpu = kernel.getCpu();
        try {
            AtomicReference<Node> head = cq[cpu];
            Node old;
            do {
                old = head.get();
            } while (!head.compareAndSet(old, new Node(req, old))); // llist_add
            if (old == null) {
                long delay = Math.max(1, (config.completionNsec() + 999_999) / 1_000_000);
                timers.modTimer(cqTimer[cpu], timers.jiffies() + delay);
            }
        } finally {
            kernel.putCpu();
        }
    }

    /** {@code null_cmd_timer_expired}: ends everything on this CPU's list, oldest first. */
    private void endTimer(int cpu) {
        Node n = cq[cpu].getAndSet(null); // llist_del_all
        List<Request> batch = new ArrayList<>();
        for (; n != null; n = n.next()) {
            batch.add(0, n.rq()); // llist_reverse_order
        }
        for (Request req : batch) {
            if (claimCompletion) {
                BlkSoftirq.blkCompleteRequest(req);
            } else {
                end(req, req.errors());
            }
        }
    }

    /** Requests waiting on the timer lists. */
    private int timerPending() {
        int n = 0;
        for (AtomicReference<Node> h : cq) {
            for (Node x = h.get(); x != null; x = x.next()) {
                n++;
            }
        }
        return n;
    }

    // ---- data ------------------------------------------------------------------------------------

    /** {@code _mybrd_request_fn(req)}: every segment of every bio; 0 or a negative errno. */
    private int transfer(Request req) {
        if (req.special() != brd) {
            kernel.printk("mybrd: " + req + " is not ours");
            return Errno.EIO.negative();
        }
        return brd.transferBios(req.pos(), req.bios());
    }

    // ---- quiescence ------------------------------------------------------------------------------

    /** What is still in flight, by name, or "" at quiescence. Runs in a task. */
    String inFlightReport() {
        StringBuilder b = new StringBuilder();
        boolean flags = queueLock.lockIrqsave();
        try {
            int alloc = q.requestList().count(true) + q.requestList().count(false);
            if (alloc > 0) {
                b.append(alloc).append(" request(s) allocated");
            }
            if (!q.queued().isEmpty()) {
                b.append("; queued, not started: ").append(q.queued());
            }
            if (q.stopped()) {
                b.append("; queue stopped");
            }
        } finally {
            queueLock.unlockIrqrestore(flags);
        }
        synchronized (held) {
            if (!held.isEmpty()) {
                b.append("; held by the driver: ").append(held);
            }
        }
        if (q.kblockd().pending()) {
            b.append("; kblockd run pending");
        }
        int done = q.softirqPending();
        if (done > 0) {
            b.append("; ").append(done).append(" on blk_cpu_done lists");
        }
        if (kernel.ipisPending()) {
            b.append("; IPIs not taken");
        }
        int t = timerPending();
        if (t > 0) {
            b.append("; ").append(t).append(" waiting for the completion timer");
        }
        return b.toString().replaceFirst("^; ", "");
    }

    /**
     * Gives every CPU a turn until nothing is in flight: kblockd's pending run, a timer tick (one
     * jiffy, or the request timeout when a round made no progress and no completion timer is
     * waiting), and, at the end of each turn, the CPU's IPIs and softirqs. Bounded by
     * {@code timeoutNanos}; false (with the report in the kernel log) if something is still in flight.
     */
    boolean drain(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("drain: timeout must be positive, got " + timeoutNanos);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        String last = null;
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
            long jump = report.equals(last) && timerPending() == 0 ? q.rqTimeoutJiffies() : 1;
            last = report;
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "drain/" + cpu, () -> {
                    q.kblockd().run();
                    timers.tick(jump);
                });
            }
            Thread.yield();
        }
    }

    /**
     * Time passing on the current CPU while a submitter waits: kblockd's work, then
     * {@value #IDLE_JIFFIES} jiffies of timer ticks, so that a dropped request's 30 s timeout comes
     * after a few thousand waits rather than thirty thousand.
     */
    void tickOnce() {
        q.kblockd().run();
        timers.tick(IDLE_JIFFIES);
    }

    /**
     * Whether anything waits for model time: kblockd work (requeues), completion timers
     * (irqmode=timer), or, with timeout injection, requests only the request timeout will end.
     */
    boolean needsTime() {
        return q.kblockd().pending() || timerPending() > 0 || config.injection().timeoutEvery() > 0;
    }

    /** Jiffies one {@link #tickOnce} lets pass. */
    static final int IDLE_JIFFIES = 16;

    private volatile String lastReport = "";

    String lastReport() {
        return lastReport;
    }
}
