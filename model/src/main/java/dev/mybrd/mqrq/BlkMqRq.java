package dev.mybrd.mqrq;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The owner's side of a blk-mq request's life cycle on a hardware queue of depth 1 (one tag, one
 * preallocated request, reused for one I/O after another): {@code blk_mq_alloc_request} (take the
 * tag, {@code blk_mq_rq_ctx_init}), {@code blk_mq_start_request}, the driver's completion
 * {@code blk_mq_complete_request} and {@code __blk_mq_complete_request}, {@code blk_mq_end_request}
 * and {@code blk_mq_free_request}, in each {@link TimeoutScheme}. {@link BlkMqTimeout} is the other
 * side.
 *
 * <p><b>Invariant the schemes try to keep.</b> Each use of the request ends exactly once, either
 * by its completion or by the timeout path, and the timeout path judges and terminates the same
 * use. v4.4 keeps the first half with {@code blk_mark_rq_complete} but not the second: the bits and
 * the deadline it reads may come from different uses (KR-13). 1d9bd5161ba3 keeps both with
 * generations and RCU, at the price of dropping a completion that arrives while the timeout path
 * holds its claim (KR-14). 12f5b9314545 keeps both with a reference that holds the request (and its
 * tag) for the timeout handler and a {@code cmpxchg} that lets exactly one party complete it.
 *
 * <p>Reductions: one tag and {@code tags->rqs[0]}; {@code blk_mq_get_tag} sleeping in
 * {@code bt_get} is a bounded wait for the bit (a wait that does not end is reported as a hung
 * task); {@code jiffies} is a field the scenario sets; completions end the request directly (no
 * softirq or IPI: {@code q->softirq_done_fn} unset); the v4.16 {@code RQF_MQ_TIMEOUT_EXPIRED} flag
 * and the leftovers of {@code REQ_ATOM_COMPLETE} in 1d9bd5161ba3 are left out. The v4.4 lines
 * follow a v4.4-era {@code block/blk-mq.c} as read (the one with {@code q_usage_counter} and the
 * two-argument {@code blk_mq_complete_request}); the 1d9bd5161ba3 and 12f5b9314545 lines are
 * reconstructed from the commits' descriptions and v4.16 / v4.18 code as remembered
 * (docs/races/KR-13.md, KR-14.md).
 */
public final class BlkMqRq {
    private static final VarHandle TAG_BUSY;
    private static final VarHandle JIFFIES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAG_BUSY = l.findVarHandle(BlkMqRq.class, "tagBusy", int.class);
            JIFFIES = l.findVarHandle(BlkMqRq.class, "jiffies", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TimeoutScheme scheme;
    final MqRequest rq = new MqRequest(0);
    final RqAudit audit = new RqAudit();
    final HctxRcu rcu;
    final long rqTimeout;
    /** The tags' wait queue ({@code bs->wait}) that {@code bt_get} sleeps on. */
    private final Object tagWait = new Object();
    /**
     * The driver's own serialisation of its interrupt handler against its timeout handler (nvme's
     * {@code cq_lock} or {@code synchronize_irq}): once the driver has aborted a command, no
     * completion for it reaches the block layer, the contract every scheme assumes.
     */
    private final Object driverLock = new Object();
    /** The I/O whose command the driver aborted last (0: none). */
    private int abortedIo;
    @SuppressWarnings("unused") private int tagBusy;
    @SuppressWarnings("unused") private long jiffies;

    /**
     * @param scheme which kernel's protocol runs
     * @param nrCpus CPUs that may run completions (for {@code hctx_lock})
     * @param rqTimeout {@code q->rq_timeout}, in jiffies (&gt; 0)
     */
    public BlkMqRq(TimeoutScheme scheme, int nrCpus, long rqTimeout) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        if (rqTimeout <= 0 || nrCpus <= 0) {
            throw new IllegalArgumentException("rq_timeout and nr_cpus must be positive (-EINVAL)");
        }
        this.rcu = new HctxRcu(nrCpus);
        this.rqTimeout = rqTimeout;
    }

    public TimeoutScheme scheme() {
        return scheme;
    }

    /** {@code tags->rqs[0]}. */
    public MqRequest request() {
        return rq;
    }

    public RqAudit audit() {
        return audit;
    }

    /** {@code jiffies}. */
    public long jiffies() {
        return (long) JIFFIES.getOpaque(this);
    }

    /** Moves time forward to {@code j} (never back). */
    public void setJiffies(long j) {
        if (j < jiffies()) {
            throw new IllegalArgumentException("jiffies never goes back (" + j + " < " + jiffies() + ")");
        }
        JIFFIES.setOpaque(this, j);
    }

    /** Whether the tag's bit is set (the request is allocated): what {@code bt_for_each} visits. */
    public boolean tagBusy() {
        return (int) TAG_BUSY.getAcquire(this) != 0;
    }

    /**
     * Allocates the request for I/O {@code io} and starts it ({@code blk_mq_alloc_request},
     * {@code queue_rq}'s {@code blk_mq_start_request}); waits for the tag if it is in use.
     */
    public void issue(int io) {
        if (io <= 0) {
            throw new IllegalArgumentException("I/O numbers start at 1, got " + io);
        }
        getTag();
        rqCtxInit(io);
        startRequest();
    }

    /**
     * The device finished I/O {@code io}; its interrupt handler on {@code cpu} calls
     * {@code blk_mq_complete_request} for the request carrying it, unless the driver has aborted
     * that command.
     */
    public void deviceInterrupt(int cpu, int io) {
        audit.deviceCompleted(io);
        synchronized (driverLock) {
            if (abortedIo != io) {
                completeRequest(cpu, "completion");
            }
        }
    }

    /** The driver's {@code ->timeout} aborts the command of I/O {@code io}, then runs {@code then}. */
    void driverAbort(int io, Runnable then) {
        synchronized (driverLock) {
            abortedIo = io;
            then.run();
        }
    }

    /**
     * {@code blk_mq_get_tag}: {@code test_and_set_bit_lock} on the tag's bit; if it is taken,
     * {@code bt_get} sleeps on the tags' wait queue until a free wakes it (here the monitor's wait
     * set; model checking reports a sleep nobody ends as a hang).
     */
    private void getTag() {
        synchronized (tagWait) {
            while (!TAG_BUSY.compareAndSet(this, 0, 1)) {
                try {
                    tagWait.wait(); // io_schedule()
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KernelBug("bt_get: interrupted while waiting for tag 0");
                }
            }
        }
    }

    /** {@code blk_mq_put_tag}: {@code clear_bit_unlock}, then wake a sleeper in {@code bt_get}. */
    private void putTag() {
        KernelBug.bugOn(!tagBusy(), () -> "blk_mq_put_tag: tag 0 freed twice; " + rq);
        synchronized (tagWait) {
            TAG_BUSY.setRelease(this, 0);
            tagWait.notifyAll();
        }
    }

    /** {@code blk_mq_rq_ctx_init}: the new use; v4.4 leaves atomic_flags to the timer's atomics. */
    private void rqCtxInit(int io) {
        MqRequest.IO.setRelease(rq, io);
        if (scheme == TimeoutScheme.REFCOUNT) {
            rq.setRef(1);
        }
    }

    /** {@code blk_add_timer}: the deadline of this use. */
    void addTimer() {
        MqRequest.DEADLINE.setOpaque(rq, jiffies() + rqTimeout);
    }

    /** {@code blk_mq_start_request}. */
    private void startRequest() {
        switch (scheme) {
            case ATOMIC_FLAGS -> {
                addTimer();
                VarHandle.fullFence(); // smp_mb__before_atomic: deadline before STARTED
                if (!rq.started()) {
                    rq.setFlag(MqRequest.REQ_ATOM_STARTED);
                }
                if (((int) MqRequest.ATOMIC_FLAGS.getOpaque(rq) & MqRequest.REQ_ATOM_COMPLETE) != 0) {
                    rq.clearFlag(MqRequest.REQ_ATOM_COMPLETE); // a requeue may have raced the timeout
                }
            }
            case GENERATION_RCU -> {
                rq.writeSeqBegin();
                rq.updateGstate(MqRequest.MQ_RQ_IN_FLIGHT); // a new generation
                addTimer();
                rq.writeSeqEnd();
            }
            case REFCOUNT -> {
                KernelBug.bugOn(rq.state() != MqRequest.MQ_RQ_IDLE, () -> "blk_mq_start_request: not idle; " + rq);
                addTimer();
                rq.setState(MqRequest.MQ_RQ_IN_FLIGHT);
            }
        }
    }

    /** {@code blk_mq_complete_request}, called by the driver's interrupt handler on {@code cpu}. */
    void completeRequest(int cpu, String by) {
        switch (scheme) {
            case ATOMIC_FLAGS -> {
                if (!rq.markComplete()) {
                    completeLocked(by);
                }
            }
            case GENERATION_RCU -> {
                rcu.readLock(cpu); // hctx_lock
                if (rq.abortedGstate() != rq.gstate()) {
                    completeLocked(by); // else the timeout path claimed this generation: yield
                }
                rcu.readUnlock(cpu);
            }
            case REFCOUNT -> {
                if (rq.casState(MqRequest.MQ_RQ_IN_FLIGHT, MqRequest.MQ_RQ_COMPLETE)) {
                    endRequest(by);
                }
            }
        }
    }

    /** {@code __blk_mq_complete_request}: the caller won the right to complete. */
    void completeLocked(String by) {
        if (scheme == TimeoutScheme.GENERATION_RCU) {
            rq.updateGstate(MqRequest.MQ_RQ_COMPLETE);
        }
        endRequest(by);
    }

    /** {@code blk_mq_end_request}: ends the I/O the request carries, then frees the request. */
    private void endRequest(String by) {
        audit.ended(rq.io(), by);
        freeRequest();
    }

    /** {@code blk_mq_free_request}. */
    private void freeRequest() {
        switch (scheme) {
            case ATOMIC_FLAGS -> {
                rq.clearFlag(MqRequest.REQ_ATOM_STARTED);
                putTag();
            }
            case GENERATION_RCU -> {
                rq.updateGstate(MqRequest.MQ_RQ_IDLE);
                putTag();
            }
            case REFCOUNT -> {
                rq.setState(MqRequest.MQ_RQ_IDLE);
                putRef();
            }
        }
    }

    /** {@code refcount_dec_and_test(&rq->ref)}, then {@code __blk_mq_free_request}: the tag goes back. */
    void putRef() {
        if (rq.refDecAndTest()) {
            putTag();
        }
    }
}
