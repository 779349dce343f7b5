package dev.mybrd.mqrq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A blk-mq {@code struct request}, reduced to the fields that the request's owner and the timeout
 * handler share, for all three {@link TimeoutScheme}s (each uses its own fields):
 *
 * <ul>
 *   <li>v4.4: {@code atomic_flags} with {@code REQ_ATOM_COMPLETE} (bit 0) and
 *       {@code REQ_ATOM_STARTED} (bit 1), and {@code deadline} (a plain field in v4.4);
 *   <li>1d9bd5161ba3: {@code gstate} (generation in the upper bits, {@code MQ_RQ_*} state in the low
 *       two), {@code gstate_seq} (a seqcount over {@code gstate} and {@code deadline}) and
 *       {@code aborted_gstate};
 *   <li>12f5b9314545: {@code state} ({@code MQ_RQ_IDLE / IN_FLIGHT / COMPLETE}) and {@code ref}.
 * </ul>
 *
 * <p>Requests are preallocated per tag ({@code tags->rqs[tag]}) and reused for one I/O after
 * another; {@code io} names the I/O the request carries now (1, 2, ...). It stands for the
 * request's bio and is the model's bookkeeping, read by {@link RqAudit}.
 */
public final class MqRequest {
    static final int REQ_ATOM_COMPLETE = 1;
    static final int REQ_ATOM_STARTED = 1 << 1;

    static final long MQ_RQ_IDLE = 0;
    static final long MQ_RQ_IN_FLIGHT = 1;
    static final long MQ_RQ_COMPLETE = 2;
    static final int MQ_RQ_STATE_BITS = 2;
    static final long MQ_RQ_STATE_MASK = (1 << MQ_RQ_STATE_BITS) - 1;
    static final long MQ_RQ_GEN_INC = 1 << MQ_RQ_STATE_BITS;

    static final VarHandle ATOMIC_FLAGS;
    static final VarHandle DEADLINE;
    static final VarHandle GSTATE;
    static final VarHandle GSTATE_SEQ;
    static final VarHandle ABORTED_GSTATE;
    static final VarHandle STATE;
    static final VarHandle REF;
    static final VarHandle IO;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ATOMIC_FLAGS = l.findVarHandle(MqRequest.class, "atomicFlags", int.class);
            DEADLINE = l.findVarHandle(MqRequest.class, "deadline", long.class);
            GSTATE = l.findVarHandle(MqRequest.class, "gstate", long.class);
            GSTATE_SEQ = l.findVarHandle(MqRequest.class, "gstateSeq", int.class);
            ABORTED_GSTATE = l.findVarHandle(MqRequest.class, "abortedGstate", long.class);
            STATE = l.findVarHandle(MqRequest.class, "state", long.class);
            REF = l.findVarHandle(MqRequest.class, "ref", int.class);
            IO = l.findVarHandle(MqRequest.class, "io", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int tag;
    @SuppressWarnings("unused") private int atomicFlags;
    @SuppressWarnings("unused") private long deadline;
    @SuppressWarnings("unused") private long gstate;
    @SuppressWarnings("unused") private int gstateSeq;
    @SuppressWarnings("unused") private long abortedGstate;
    @SuppressWarnings("unused") private long state;
    @SuppressWarnings("unused") private int ref;
    @SuppressWarnings("unused") private int io;

    MqRequest(int tag) {
        this.tag = tag;
    }

    /** {@code rq->tag}. */
    public int tag() {
        return tag;
    }

    /** The I/O the request carries now (0: none yet). */
    public int io() {
        return (int) IO.getOpaque(this);
    }

    /** {@code rq->deadline}, in jiffies. */
    public long deadline() {
        return (long) DEADLINE.getOpaque(this);
    }

    // ---- v4.4: atomic_flags ----

    /** {@code test_bit(REQ_ATOM_STARTED, &rq->atomic_flags)}. */
    boolean started() {
        return ((int) ATOMIC_FLAGS.getOpaque(this) & REQ_ATOM_STARTED) != 0;
    }

    /** {@code blk_mark_rq_complete}: {@code test_and_set_bit(REQ_ATOM_COMPLETE)}; true if it was already set. */
    boolean markComplete() {
        return (bitRmw(REQ_ATOM_COMPLETE, true) & REQ_ATOM_COMPLETE) != 0;
    }

    /** {@code set_bit} / {@code clear_bit}: atomic (the kernel's barriers are added by the callers). */
    void setFlag(int bit) {
        bitRmw(bit, true);
    }

    void clearFlag(int bit) {
        bitRmw(bit, false);
    }

    /**
     * An atomic read-modify-write of {@code atomic_flags} ({@code lock bts/btr} on x86), written
     * as a compare-and-set loop so that the model checker sees it as one shared access (it does
     * not instrument VarHandle's bitwise read-modify-writes). Returns the old value.
     */
    private int bitRmw(int bit, boolean set) {
        int old;
        do {
            old = (int) ATOMIC_FLAGS.getVolatile(this);
        } while (!ATOMIC_FLAGS.compareAndSet(this, old, set ? old | bit : old & ~bit));
        return old;
    }

    // ---- 1d9bd5161ba3: gstate ----

    /** {@code blk_mq_rq_update_state}: only the owner writes; going in flight bumps the generation. */
    void updateGstate(long newState) {
        long old = (long) GSTATE.getOpaque(this);
        long val = (old & ~MQ_RQ_STATE_MASK) | newState;
        if (newState == MQ_RQ_IN_FLIGHT) {
            val += MQ_RQ_GEN_INC;
        }
        GSTATE.setOpaque(this, val); // WRITE_ONCE: no interim value is ever visible
    }

    long gstate() {
        return (long) GSTATE.getOpaque(this);
    }

    long abortedGstate() {
        return (long) ABORTED_GSTATE.getOpaque(this);
    }

    /** {@code blk_mq_rq_update_aborted_gstate}. */
    void setAbortedGstate(long v) {
        ABORTED_GSTATE.setOpaque(this, v);
    }

    /** {@code write_seqcount_begin/end(&rq->gstate_seq)}: odd while a writer is inside. */
    void writeSeqBegin() {
        GSTATE_SEQ.setOpaque(this, (int) GSTATE_SEQ.getOpaque(this) + 1);
        VarHandle.releaseFence(); // smp_wmb()
    }

    void writeSeqEnd() {
        VarHandle.releaseFence(); // smp_wmb()
        GSTATE_SEQ.setOpaque(this, (int) GSTATE_SEQ.getOpaque(this) + 1);
    }

    /** {@code read_seqcount_begin}: waits out a writer (spins: the writer cannot sleep inside). */
    int readSeqBegin() {
        int s;
        while (((s = (int) GSTATE_SEQ.getAcquire(this)) & 1) != 0) {
            Thread.onSpinWait();
        }
        return s;
    }

    /** {@code read_seqcount_retry}. */
    boolean readSeqRetry(int start) {
        VarHandle.acquireFence(); // smp_rmb()
        return (int) GSTATE_SEQ.getOpaque(this) != start;
    }

    // ---- 12f5b9314545: state and ref ----

    /** {@code blk_mq_rq_state(rq)}: {@code READ_ONCE(rq->state)}. */
    long state() {
        return (long) STATE.getOpaque(this);
    }

    /** {@code WRITE_ONCE(rq->state, s)}. */
    void setState(long s) {
        STATE.setRelease(this, s);
    }

    /** {@code cmpxchg(&rq->state, from, to) == from}. */
    boolean casState(long from, long to) {
        return STATE.compareAndSet(this, from, to);
    }

    /** {@code refcount_set(&rq->ref, n)}. */
    void setRef(int n) {
        REF.setRelease(this, n);
    }

    /** {@code refcount_inc_not_zero(&rq->ref)}. */
    boolean refIncNotZero() {
        int r;
        do {
            r = (int) REF.getOpaque(this);
            if (r == 0) {
                return false;
            }
        } while (!REF.compareAndSet(this, r, r + 1));
        return true;
    }

    /** {@code refcount_dec_and_test(&rq->ref)}. */
    boolean refDecAndTest() {
        return (int) REF.getAndAdd(this, -1) == 1;
    }

    int ref() {
        return (int) REF.getOpaque(this);
    }

    @Override
    public String toString() {
        return "rq{tag=" + tag + ", io=" + io() + ", atomic_flags=" + ATOMIC_FLAGS.getOpaque(this) + ", deadline="
                + deadline() + ", gstate=" + gstate() + ", aborted_gstate=" + abortedGstate() + ", state=" + state()
                + ", ref=" + ref() + "}";
    }
}
