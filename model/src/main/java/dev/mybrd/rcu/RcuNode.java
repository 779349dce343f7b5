package dev.mybrd.rcu;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The grace-period state of v4.4 TREE_RCU ({@code rcu_sched} flavour): {@code struct rcu_state} and
 * its root {@code struct rcu_node}. With {@code RCU_FANOUT_LEAF} = 16 and at most 16 CPUs the kernel
 * builds a one-node tree, so the root is the only leaf and one {@code ->qsmask} covers every CPU;
 * the model keeps exactly that node (at most 64 CPUs fit its mask).
 *
 * <p><b>Algorithm.</b> {@code gpnum} counts grace periods started, {@code completed} those finished;
 * a grace period is in progress while they differ. {@link #gpInit} ({@code rcu_gp_init}) starts
 * grace period {@code gpnum + 1} and sets {@code qsmask} to the CPUs that must pass a quiescent
 * state; a CPU with no task is idle, an extended quiescent state, so its bit is cleared at once
 * (what the first {@code rcu_gp_fqs} pass does with the dynticks counters). {@link #reportQs}
 * ({@code rcu_report_qs_rnp}) clears a CPU's bit when it passes a context switch; the report that
 * empties the mask ends the grace period ({@code rcu_report_qs_rsp}, then {@code rcu_gp_cleanup}:
 * {@code completed = gpnum}), wakes the {@code synchronize_rcu} callers it satisfies, and starts the
 * next grace period if anyone asked for one ({@code need_future_gp}).
 *
 * <p><b>Where it runs.</b> v4.4 does initialisation, forcing and cleanup in the
 * {@code rcu_gp_kthread}, woken by whoever requests or ends a grace period. The model has no such
 * thread: those steps run inline, under {@code rnp->lock}, in the task or context switch that would
 * have woken it. The order of events is the same; only who executes them differs.
 *
 * <p><b>Invariants.</b> (1) Every bit of {@code qsmask} belongs to a CPU that was running a task
 * when the grace period started and has not switched context since. (2) A CPU inside a read-side
 * section ({@code preempt_disable}) cannot switch context, so a grace period cannot end while a
 * section that began before it is still open (I1). (3) {@code completed} only grows, under the lock.
 *
 * <p><b>Ordering.</b> {@link #gpInit} publishes the mask with a volatile store and a full fence
 * before it reads which CPUs are idle; a CPU that goes idle releases it with a compare-and-set and
 * then reads the mask. This is the store-buffering handshake the kernel gets from the fully ordered
 * dynticks counter updates: either the grace period sees the CPU idle, or the CPU sees its bit and
 * reports. {@code completed} is stored with release after the last report, under the lock that every
 * report takes, so a waiter that reads it with acquire has every read-side access of the grace
 * period ordered before its own return.
 */
final class RcuNode {
    private static final long LOCK_SPIN_NANOS = 10_000_000_000L;
    private static final VarHandle LOCKED;
    private static final VarHandle GPNUM;
    private static final VarHandle COMPLETED;
    private static final VarHandle QSMASK;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LOCKED = l.findVarHandle(RcuNode.class, "locked", int.class);
            GPNUM = l.findVarHandle(RcuNode.class, "gpnum", long.class);
            COMPLETED = l.findVarHandle(RcuNode.class, "completed", long.class);
            QSMASK = l.findVarHandle(RcuNode.class, "qsmask", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A {@code synchronize_rcu} caller: the task and the {@code completed} value it needs. */
    private record Waiter(Task task, long c) {
    }

    private final Kernel kernel;
    private final boolean joinCurrentGp;
    @SuppressWarnings("unused") private int locked;
    @SuppressWarnings("unused") private long gpnum;
    @SuppressWarnings("unused") private long completed;
    @SuppressWarnings("unused") private long qsmask;
    /** The highest {@code completed} value a callback or waiter asked for ({@code need_future_gp[]}). */
    private long needFutureGp;
    private final List<Waiter> waiters = new ArrayList<>();

    RcuNode(Kernel kernel, boolean joinCurrentGp) {
        this.kernel = kernel;
        this.joinCurrentGp = joinCurrentGp;
    }

    // ---- rnp->lock -----------------------------------------------------------------------------

    /** {@code raw_spin_lock_irqsave_rcu_node()}; bounded, as every wait in the model. */
    void lock() {
        long deadline = 0;
        for (int spins = 0; !LOCKED.compareAndSet(this, 0, 1); spins++) {
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + LOCK_SPIN_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("rcu_node lock held for more than " + LOCK_SPIN_NANOS / 1_000_000 + " ms");
                }
                Thread.yield();
            }
            Thread.onSpinWait();
        }
    }

    /** {@code raw_spin_unlock_irqrestore_rcu_node()}. */
    void unlock() {
        LOCKED.setRelease(this, 0);
    }

    // ---- lockless reads ------------------------------------------------------------------------

    /** {@code smp_load_acquire(&rsp->completed)}: the number of the last finished grace period. */
    long completed() {
        return (long) COMPLETED.getAcquire(this);
    }

    /** {@code READ_ONCE(rsp->gpnum)}: the number of the last started grace period. */
    long gpnum() {
        return (long) GPNUM.getOpaque(this);
    }

    /** {@code READ_ONCE(rnp->qsmask)}: the CPUs the current grace period still waits for. */
    long qsmask() {
        return (long) QSMASK.getVolatile(this);
    }

    // ---- with rnp->lock held -------------------------------------------------------------------

    /** {@code rcu_gp_in_progress()}. */
    boolean gpInProgressLocked() {
        return (long) GPNUM.get(this) != (long) COMPLETED.get(this);
    }

    long completedLocked() {
        return (long) COMPLETED.get(this);
    }

    long gpnumLocked() {
        return (long) GPNUM.get(this);
    }

    /**
     * {@code rcu_cbs_completed()}: the {@code completed} value after which something queued now may
     * run. With no grace period in progress the next one will do; with one in progress it may have
     * started before the caller's readers, so the one after it is needed.
     */
    long cbsCompleted() {
        long c = completedLocked();
        if (!gpInProgressLocked() || joinCurrentGp) {
            return c + 1;
        }
        return c + 2;
    }

    /**
     * {@code rcu_start_future_gp()}: records that grace period {@code c} is needed and starts one
     * now if none is in progress (the kernel wakes {@code rcu_gp_kthread} for that).
     */
    void startFutureGp(long c) {
        if (c > needFutureGp) {
            needFutureGp = c;
        }
        if (!gpInProgressLocked() && needFutureGp > completedLocked()) {
            startGp();
        }
    }

    /** Starts grace periods while they end at once (every CPU idle) and more are needed. */
    private void startGp() {
        while (true) {
            gpInit();
            if ((long) QSMASK.get(this) != 0 || !gpCleanup()) {
                return;
            }
        }
    }

    /**
     * {@code rcu_gp_init()} plus the first {@code rcu_gp_fqs()} pass: a new grace period waits for
     * every CPU that runs a task; idle CPUs are in an extended quiescent state.
     */
    private void gpInit() {
        GPNUM.setRelease(this, gpnumLocked() + 1);
        long mask = kernel.nrCpus() == 64 ? -1L : (1L << kernel.nrCpus()) - 1;
        QSMASK.setVolatile(this, mask);
        VarHandle.fullFence();
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            if (kernel.cpu(cpu).owner() == null) {
                mask &= ~(1L << cpu);
            }
        }
        QSMASK.setVolatile(this, mask);
    }

    /**
     * {@code rcu_gp_cleanup()}: ends the grace period, wakes the waiters it satisfies; true if
     * another grace period is needed.
     */
    private boolean gpCleanup() {
        long c = gpnumLocked();
        COMPLETED.setRelease(this, c);
        // try_to_wake_up's smp_mb__before_spinlock: order the store before reading task states.
        VarHandle.fullFence();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.c() <= c) {
                it.remove();
                kernel.wakeUpProcess(w.task());
            }
        }
        return needFutureGp > c;
    }

    /**
     * {@code rcu_note_context_switch()} on {@code cpu} as far as the grace period is concerned:
     * {@code rcu_sched_qs()} and, at once, the report that v4.4 defers to {@code RCU_SOFTIRQ}
     * ({@code rcu_report_qs_rdp()}, {@code rcu_report_qs_rnp()}).
     */
    void reportQs(int cpu) {
        long bit = 1L << cpu;
        if ((qsmask() & bit) == 0) {
            return;
        }
        lock();
        try {
            long mask = (long) QSMASK.get(this);
            if ((mask & bit) == 0 || !gpInProgressLocked()) {
                return;
            }
            mask &= ~bit;
            QSMASK.setVolatile(this, mask);
            if (mask == 0 && gpCleanup()) {
                startGp();
            }
        } finally {
            unlock();
        }
    }

    /**
     * Registers {@code task} to be woken when a grace period that starts after this call has ended,
     * and requests that grace period; returns the {@code completed} value to wait for.
     */
    long addWaiter(Task task) {
        lock();
        try {
            long c = cbsCompleted();
            waiters.add(new Waiter(task, c));
            startFutureGp(c);
            return c;
        } finally {
            unlock();
        }
    }

    /** Forgets a waiter that stopped waiting (woken, or failed). */
    void removeWaiter(Task task) {
        lock();
        try {
            waiters.removeIf(w -> w.task() == task);
        } finally {
            unlock();
        }
    }

    /** The grace-period state in the words of an RCU stall report. */
    String describe() {
        return "g=" + gpnum() + " c=" + (long) COMPLETED.getOpaque(this) + " ->qsmask=0x" + Long.toHexString(qsmask());
    }
}
