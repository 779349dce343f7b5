package dev.mybrd.rcu;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Softirq;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One CPU's {@code struct rcu_data} as far as callbacks go: v4.4's segmented callback list and the
 * grace-period numbers this CPU has noticed.
 *
 * <p><b>The list.</b> One singly linked list of {@link RcuHead}s, {@code nxtlist}, cut into four
 * segments by the tail pointers {@code nxttail[]}, oldest first:
 * <ul>
 *   <li>{@code RCU_DONE_TAIL}: callbacks whose grace period has ended, ready to invoke;
 *   <li>{@code RCU_WAIT_TAIL}: waiting for the grace period numbered {@code nxtcompleted[WAIT]};
 *   <li>{@code RCU_NEXT_READY_TAIL}: waiting for {@code nxtcompleted[NEXT_READY]}, a later one;
 *   <li>{@code RCU_NEXT_TAIL}: queued by {@code call_rcu} and not yet given a number.
 * </ul>
 * In C a tail is the address of the {@code next} field that ends its segment ({@code &rdp->nxtlist}
 * for an empty prefix). Java has no such addresses, so a tail here is the node whose {@code next}
 * field ends the segment, and the list head is a sentinel node: {@code *tail = x} becomes
 * {@code tail.next = x} and {@code &rdp->nxtlist} becomes the sentinel.
 *
 * <p><b>Life of a callback.</b> {@link #enqueue} ({@code __call_rcu}) appends to the NEXT segment.
 * {@link #accelerateCbs} gives every unnumbered callback the grace period
 * {@code rcu_cbs_completed()} says it needs and requests that grace period. When this CPU notices
 * that grace periods ended, {@link #advanceCbs} moves every segment whose number is at most
 * {@code completed} into DONE. {@link #doBatch} ({@code rcu_do_batch}, in {@code RCU_SOFTIRQ} on
 * this CPU) cuts the DONE segment off the list and invokes it, at most {@link #BLIMIT} callbacks
 * per run, requeueing the rest at the head.
 *
 * <p><b>Who touches it.</b> Only tasks running on this CPU, with interrupts disabled or in
 * {@code RCU_SOFTIRQ}, and the grace-period numbers are read under {@code rnp->lock}; so the fields
 * are plain, as per-CPU data is in C. {@code qlen} is also read by {@code rcu_barrier()} from
 * other CPUs ({@code READ_ONCE}), so it is opaque.
 */
final class RcuData {
    static final int RCU_DONE_TAIL = 0;
    static final int RCU_WAIT_TAIL = 1;
    static final int RCU_NEXT_READY_TAIL = 2;
    static final int RCU_NEXT_TAIL = 3;
    static final int RCU_NEXT_SIZE = 4;
    /** {@code blimit}: callbacks invoked per {@code rcu_do_batch} run by a non-idle task. */
    static final int BLIMIT = 10;

    private static final VarHandle QLEN;

    static {
        try {
            QLEN = MethodHandles.lookup().findVarHandle(RcuData.class, "qlen", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int cpu;
    private final boolean doneSegmentNotSpliced;
    /** {@code rdp->nxtlist} as a sentinel: {@code nxtlist.next} is the first callback. */
    private final RcuHead nxtlist = new RcuHead();
    private final RcuHead[] nxttail = new RcuHead[RCU_NEXT_SIZE];
    private final long[] nxtcompleted = new long[RCU_NEXT_SIZE];
    /** The last grace period this CPU saw end ({@code rdp->completed}). */
    private long completed;
    /** The last grace period this CPU saw start ({@code rdp->gpnum}). */
    private long gpnum;
    @SuppressWarnings("unused") private long qlen;
    /** {@code rdp->barrier_head}: the callback {@code rcu_barrier()} queues here. */
    final RcuHead barrierHead = new RcuHead();

    RcuData(int cpu, boolean doneSegmentNotSpliced) {
        this.cpu = cpu;
        this.doneSegmentNotSpliced = doneSegmentNotSpliced;
        for (int i = 0; i < RCU_NEXT_SIZE; i++) {
            nxttail[i] = nxtlist;
        }
    }

    /** {@code READ_ONCE(rdp->qlen)}: callbacks queued here and not yet invoked. */
    long qlen() {
        return (long) QLEN.getOpaque(this);
    }

    private void addQlen(long delta) {
        QLEN.setOpaque(this, (long) QLEN.get(this) + delta);
    }

    /** The enqueue of {@code __call_rcu()}: append to the NEXT segment. Interrupts are off. */
    void enqueue(RcuHead head) {
        head.next = null;
        addQlen(1);
        nxttail[RCU_NEXT_TAIL].next = head;
        nxttail[RCU_NEXT_TAIL] = head;
    }

    /** {@code cpu_has_callbacks_ready_to_invoke()}: the DONE segment is not empty. */
    boolean hasCallbacksReadyToInvoke() {
        return nxttail[RCU_DONE_TAIL] != nxtlist;
    }

    /** Callbacks that are not ready: {@code *rdp->nxttail[RCU_DONE_TAIL] != NULL}. */
    private boolean hasCallbacksBeyondDone() {
        return nxttail[RCU_DONE_TAIL].next != null;
    }

    /** {@code rcu_pending()} for this CPU: is there RCU core work for the next tick to raise? */
    boolean pending(RcuNode rnp) {
        return hasCallbacksReadyToInvoke()
                || nxttail[RCU_NEXT_READY_TAIL] != nxttail[RCU_NEXT_TAIL]
                || (hasCallbacksBeyondDone() && (completed != rnp.completed() || gpnum != rnp.gpnum()));
    }

    /**
     * {@code __note_gp_changes()}: catch up with grace periods that ended or started since this
     * CPU last looked, moving callbacks along. Caller holds {@code rnp->lock}.
     */
    void noteGpChanges(RcuNode rnp) {
        if (completed == rnp.completedLocked()) {
            accelerateCbs(rnp);
        } else {
            advanceCbs(rnp);
            completed = rnp.completedLocked();
        }
        gpnum = rnp.gpnumLocked();
    }

    /**
     * {@code rcu_accelerate_cbs()}: gives the callbacks that have no grace period yet (and any
     * later segment whose number is not earlier) the number {@code rcu_cbs_completed()} answers,
     * merging them into one segment, and requests that grace period. Caller holds the lock.
     */
    void accelerateCbs(RcuNode rnp) {
        if (!hasCallbacksBeyondDone()) {
            return;
        }
        long c = rnp.cbsCompleted();
        int i;
        for (i = RCU_NEXT_TAIL - 1; i > RCU_DONE_TAIL; i--) {
            if (nxttail[i] != nxttail[i - 1] && nxtcompleted[i] < c) {
                break;
            }
        }
        if (++i >= RCU_NEXT_TAIL) {
            return;
        }
        for (; i <= RCU_NEXT_TAIL; i++) {
            nxttail[i] = nxttail[RCU_NEXT_TAIL];
            nxtcompleted[i] = c;
        }
        rnp.startFutureGp(c);
    }

    /**
     * {@code rcu_advance_cbs()}: moves every segment whose grace period has ended into DONE,
     * closes up the empty segments, then accelerates. Caller holds the lock.
     */
    void advanceCbs(RcuNode rnp) {
        if (!hasCallbacksBeyondDone()) {
            return;
        }
        long done = rnp.completedLocked();
        int i;
        for (i = RCU_WAIT_TAIL; i < RCU_NEXT_TAIL; i++) {
            if (done < nxtcompleted[i]) {
                break;
            }
            nxttail[RCU_DONE_TAIL] = nxttail[i];
        }
        for (int j = RCU_WAIT_TAIL; j < i; j++) {
            nxttail[j] = nxttail[RCU_DONE_TAIL];
        }
        for (int j = RCU_WAIT_TAIL; i < RCU_NEXT_TAIL; i++, j++) {
            if (nxttail[j] == nxttail[RCU_NEXT_TAIL]) {
                break;
            }
            nxttail[j] = nxttail[i];
            nxtcompleted[j] = nxtcompleted[i];
        }
        accelerateCbs(rnp);
    }

    /**
     * {@code rcu_do_batch()}: invokes the DONE segment, in {@code RCU_SOFTIRQ} on this CPU. The
     * segment is cut off the list with interrupts disabled (an interrupt handler may
     * {@code call_rcu} meanwhile), invoked with them enabled, and whatever {@link #BLIMIT} left over
     * goes back to the head of the list; {@code RCU_SOFTIRQ} is raised again if callbacks remain
     * ready.
     */
    void doBatch(Kernel kernel) {
        if (!hasCallbacksReadyToInvoke()) {
            return;
        }
        if (doneSegmentNotSpliced) {
            doBatchInPlace(kernel);
            return;
        }
        boolean flags = kernel.localIrqSave();
        RcuHead list = nxtlist.next;
        nxtlist.next = nxttail[RCU_DONE_TAIL].next;
        nxttail[RCU_DONE_TAIL].next = null;
        RcuHead tail = nxttail[RCU_DONE_TAIL];
        for (int i = RCU_NEXT_SIZE - 1; i >= 0; i--) {
            if (nxttail[i] == nxttail[RCU_DONE_TAIL]) {
                nxttail[i] = nxtlist;
            }
        }
        kernel.localIrqRestore(flags);

        int count = 0;
        while (list != null) {
            RcuHead next = list.next;
            reclaim(list);
            list = next;
            if (++count >= BLIMIT) {
                break;
            }
        }

        flags = kernel.localIrqSave();
        if (list != null) {
            tail.next = nxtlist.next;
            nxtlist.next = list;
            for (int i = 0; i < RCU_NEXT_SIZE; i++) {
                if (nxttail[i] == nxtlist) {
                    nxttail[i] = tail;
                } else {
                    break;
                }
            }
        }
        addQlen(-count);
        kernel.localIrqRestore(flags);
        if (hasCallbacksReadyToInvoke()) {
            kernel.raiseSoftirq(Softirq.RCU);
        }
    }

    /**
     * Seeded bug {@link RcuBug#DONE_SEGMENT_NOT_SPLICED}: the DONE segment is walked and invoked
     * where it lies; the tails are reset as if it had been cut off, but the list head still points
     * at it.
     */
    private void doBatchInPlace(Kernel kernel) {
        boolean flags = kernel.localIrqSave();
        RcuHead list = nxtlist.next;
        RcuHead last = nxttail[RCU_DONE_TAIL];
        for (int i = RCU_NEXT_SIZE - 1; i >= 0; i--) {
            if (nxttail[i] == nxttail[RCU_DONE_TAIL]) {
                nxttail[i] = nxtlist;
            }
        }
        kernel.localIrqRestore(flags);
        int count = 0;
        while (list != null) {
            RcuHead next = list.next;
            reclaim(list);
            count++;
            if (list == last) {
                break;
            }
            list = next;
        }
        addQlen(-count);
    }

    /** {@code __rcu_reclaim()}: {@code debug_rcu_head_unqueue}, then the callback. */
    private static void reclaim(RcuHead head) {
        head.queued = false;
        head.func.accept(head);
    }

    /** The list in the words of the RCU trace files: callbacks per segment, oldest first. */
    String describe() {
        String[] names = {"done", "wait", "next-ready", "next"};
        StringBuilder sb = new StringBuilder("CPU" + cpu + " qlen=" + qlen() + " c=" + completed + " g=" + gpnum);
        RcuHead h = nxtlist;
        int n = 0;
        for (int seg = 0; seg < RCU_NEXT_SIZE; seg++) {
            while (h != nxttail[seg] && h != null) {
                h = h.next;
                n++;
            }
            sb.append(' ').append(names[seg]).append('=').append(n);
            if (seg == RCU_WAIT_TAIL || seg == RCU_NEXT_READY_TAIL) {
                sb.append("@c").append(nxtcompleted[seg]);
            }
            n = 0;
        }
        return sb.toString();
    }
}
