package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * {@code struct workqueue_struct} and the queueing side of {@code kernel/workqueue.c}:
 * {@code queue_work_on}, {@code __queue_work}, {@code queue_delayed_work_on}, {@code drain_workqueue}.
 * A per-CPU workqueue has one {@link PoolWorkqueue} per CPU, each bound to that CPU's normal or
 * high-priority {@link WorkerPool}.
 *
 * <p><b>queue_work_on(cpu, wq, work)</b> runs with local interrupts off. It claims the work item by
 * {@code test_and_set_bit(PENDING)}; if PENDING was already set it returns false and does nothing:
 * the pending execution has not started yet and will see everything written before this call
 * (coalescing, Q2). Otherwise {@code __queue_work} picks the pwq of the requested CPU (the current one
 * for {@code WORK_CPU_UNBOUND}), except that if the item's last pool is another pool on which a worker
 * still executes it, the item goes to that worker's pwq, so that it runs after that execution and
 * never beside it (non-reentrancy, Q4; since v3.7). Under the pool lock it is linked onto the pool's
 * worklist if the pwq has fewer than {@code max_active} active items, else onto the pwq's
 * {@code delayed_works} (Q5).
 *
 * <p><b>Flags.</b> {@code WQ_HIGHPRI} selects the high-priority pools. {@code WQ_MEM_RECLAIM},
 * {@code WQ_FREEZABLE}, {@code WQ_CPU_INTENSIVE}, {@code WQ_SYSFS} and {@code WQ_POWER_EFFICIENT} are
 * accepted and change nothing in the model (no rescuer, freezer, concurrency management or sysfs).
 * {@code WQ_UNBOUND} is not modelled and is refused.
 *
 * <p><b>Draining.</b> {@code drain_workqueue} sets {@code __WQ_DRAINING}, after which only a work
 * item of this workqueue may queue onto it (chained work), and waits until every pwq has no active
 * and no delayed item. The kernel waits with {@code flush_workqueue} and its flush colours, which the
 * model does not have; the model's drainer sleeps until a pwq that goes idle wakes it.
 */
public final class Workqueue {
    public static final int WQ_UNBOUND = 1 << 1;
    public static final int WQ_FREEZABLE = 1 << 2;
    public static final int WQ_MEM_RECLAIM = 1 << 3;
    public static final int WQ_HIGHPRI = 1 << 4;
    public static final int WQ_CPU_INTENSIVE = 1 << 5;
    public static final int WQ_SYSFS = 1 << 6;
    public static final int WQ_POWER_EFFICIENT = 1 << 7;
    static final int WQ_DRAINING = 1 << 16;
    /** {@code WQ_MAX_ACTIVE}. */
    public static final int WQ_MAX_ACTIVE = 512;
    /** {@code WQ_DFL_ACTIVE}: {@code max_active} 0 means this. */
    public static final int WQ_DFL_ACTIVE = WQ_MAX_ACTIVE / 2;
    /** {@code WORK_CPU_UNBOUND} ({@code NR_CPUS}; the model has at most 64 CPUs): queue on the current CPU. */
    public static final int WORK_CPU_UNBOUND = 64;

    static final int USER_FLAGS = WQ_UNBOUND | WQ_FREEZABLE | WQ_MEM_RECLAIM | WQ_HIGHPRI | WQ_CPU_INTENSIVE
            | WQ_SYSFS | WQ_POWER_EFFICIENT;

    private static final VarHandle FLAGS;
    private static final VarHandle DESTROYED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(Workqueue.class, "flags", int.class);
            DESTROYED = l.findVarHandle(Workqueue.class, "destroyed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Workqueues wqs;
    private final Kernel kernel;
    private final String name;
    @SuppressWarnings("unused") private int flags;
    private final int savedMaxActive;
    final PoolWorkqueue[] cpuPwqs;
    /** {@code wq->mutex}; never held across a sleep, so a spinlock models it. */
    final SpinLock mutex;
    private int nrDrainers;
    private final Queue<Task> drainers = new ConcurrentLinkedQueue<>();
    @SuppressWarnings("unused") private boolean destroyed;

    /** {@code alloc_workqueue} after argument checks; see {@link Workqueues#allocWorkqueue}. */
    Workqueue(Workqueues wqs, String name, int flags, int maxActive) {
        this.wqs = wqs;
        this.kernel = wqs.kernel();
        this.name = name;
        this.savedMaxActive = maxActive;
        this.mutex = new SpinLock(kernel, name + ".mutex");
        FLAGS.setOpaque(this, flags);
        this.cpuPwqs = new PoolWorkqueue[kernel.nrCpus()];
        for (int cpu = 0; cpu < cpuPwqs.length; cpu++) {
            cpuPwqs[cpu] = wqs.newPwq(this, wqs.pool(cpu, (flags & WQ_HIGHPRI) != 0), maxActive);
        }
    }

    /** The subsystem it belongs to. */
    Workqueues workqueues() {
        return wqs;
    }

    /** {@code wq->name}. */
    public String name() {
        return name;
    }

    /** {@code wq->saved_max_active}. */
    public int maxActive() {
        return savedMaxActive;
    }

    /** {@code wq->flags} (user flags and {@code __WQ_DRAINING}). */
    public int flags() {
        return (int) FLAGS.getOpaque(this);
    }

    /** Whether {@link Workqueues#destroyWorkqueue} finished with it. */
    public boolean destroyed() {
        return (boolean) DESTROYED.getOpaque(this);
    }

    /** {@code nr_active} of CPU {@code cpu}'s pwq, a racy snapshot. */
    public int nrActive(int cpu) {
        return cpuPwqs[checkedCpu(cpu)].nrActive;
    }

    /** Length of {@code delayed_works} of CPU {@code cpu}'s pwq, a racy snapshot. */
    public int nrDelayed(int cpu) {
        return cpuPwqs[checkedCpu(cpu)].delayedWorks.size();
    }

    // ---- queue_work ---------------------------------------------------------------------------

    /**
     * {@code queue_work_on(cpu, wq, work)}: true if this call set PENDING and queued the work, false
     * if it was already pending. {@code cpu} is a CPU id or {@link #WORK_CPU_UNBOUND}.
     */
    public boolean queueWorkOn(int cpu, WorkStruct work) {
        checkQueue(cpu, work);
        boolean irqFlags = kernel.localIrqSave();
        boolean ret = false;
        try {
            if (!claimPending(work)) {
                queueWorkIrqsOff(cpu, work);
                ret = true;
            }
        } finally {
            kernel.localIrqRestore(irqFlags);
        }
        return ret;
    }

    /** {@code queue_work(wq, work)}: on the current CPU. */
    public boolean queueWork(WorkStruct work) {
        return queueWorkOn(WORK_CPU_UNBOUND, work);
    }

    /**
     * {@code queue_delayed_work_on(cpu, wq, dwork, delay)}: like {@link #queueWorkOn}, but the work is
     * queued when {@code delay} jiffies have passed (at once if 0).
     */
    public boolean queueDelayedWorkOn(int cpu, DelayedWork dwork, long delay) {
        checkQueue(cpu, dwork);
        if (delay < 0) {
            throw new IllegalArgumentException("queue_delayed_work: negative delay " + delay);
        }
        boolean irqFlags = kernel.localIrqSave();
        boolean ret = false;
        try {
            if (!claimPending(dwork)) {
                queueDelayedWorkIrqsOff(cpu, dwork, delay);
                ret = true;
            }
        } finally {
            kernel.localIrqRestore(irqFlags);
        }
        return ret;
    }

    /** {@code queue_delayed_work(wq, dwork, delay)}: the timer is armed on the current CPU. */
    public boolean queueDelayedWork(DelayedWork dwork, long delay) {
        return queueDelayedWorkOn(WORK_CPU_UNBOUND, dwork, delay);
    }

    /** {@code test_and_set_bit(WORK_STRUCT_PENDING_BIT)}: true if it was already pending. */
    private boolean claimPending(WorkStruct work) {
        if (wqs.bug(WqBug.NONATOMIC_TEST_AND_SET)) {
            if (work.testPendingBit()) {
                return true;
            }
            work.setPendingBit();
            return false;
        }
        return work.testAndSetPending();
    }

    /** {@code __queue_work}: the caller owns PENDING and has interrupts off. */
    void queueWorkIrqsOff(int reqCpu, WorkStruct work) {
        KernelBug.bugOn(!kernel.thisCpu().irqsDisabled(), "__queue_work with interrupts enabled");
        if ((flags() & WQ_DRAINING) != 0 && !isChainedWork()) {
            kernel.printk("WARNING: __queue_work: " + work + " queued on draining workqueue " + name
                    + " from outside it; ignored, PENDING stays set");
            return;
        }
        int cpu = reqCpu == WORK_CPU_UNBOUND ? kernel.smpProcessorId() : reqCpu;
        PoolWorkqueue pwq = cpuPwqs[cpu];
        WorkerPool lastPool = wqs.getWorkPool(work);
        WorkerPool locked;
        if (lastPool != null && lastPool != pwq.pool && !wqs.bug(WqBug.REENTRANT_QUEUE)) {
            lastPool.lock.lock();
            Worker worker = lastPool.findWorkerExecutingWork(work);
            if (worker != null && worker.currentPwq.wq == this) {
                pwq = worker.currentPwq;
                locked = lastPool;
            } else {
                lastPool.lock.unlock();
                pwq.pool.lock.lock();
                locked = pwq.pool;
            }
        } else {
            pwq.pool.lock.lock();
            locked = pwq.pool;
        }
        try {
            if (work.isQueued()) {
                kernel.printk("WARNING: __queue_work: " + work + " is already on " + work.entry);
                return;
            }
            pwq.nrInFlight[pwq.workColor]++;
            long workFlags = WorkStruct.workColorToFlags(pwq.workColor);
            WorkList list;
            if (pwq.nrActive < pwq.maxActive) {
                pwq.nrActive++;
                list = pwq.pool.worklist;
            } else {
                workFlags |= WorkStruct.WORK_STRUCT_DELAYED;
                list = pwq.delayedWorks;
            }
            pwq.insertWork(work, list, null, workFlags);
        } finally {
            locked.lock.unlock();
        }
    }

    /** {@code __queue_delayed_work}: the caller owns PENDING and has interrupts off. */
    private void queueDelayedWorkIrqsOff(int cpu, DelayedWork dwork, long delay) {
        Timers timers = wqs.timers();
        KernelBug.bugOn(timers.timerPending(dwork.timer), () -> "queue_delayed_work: timer of " + dwork + " is pending");
        KernelBug.bugOn(dwork.isQueued(), () -> "queue_delayed_work: " + dwork + " is on a list");
        if (delay == 0) {
            queueWorkIrqsOff(cpu, dwork);
            return;
        }
        dwork.wq = this;
        dwork.cpu = cpu;
        dwork.timer.expires = timers.jiffies() + delay;
        if (cpu != WORK_CPU_UNBOUND) {
            timers.addTimerOn(dwork.timer, cpu);
        } else {
            timers.addTimer(dwork.timer);
        }
    }

    /** {@code is_chained_work}: the current task is a worker executing an item of this workqueue. */
    private boolean isChainedWork() {
        Worker w = wqs.currentWorker();
        return w != null && w.currentPwq != null && w.currentPwq.wq == this;
    }

    private void checkQueue(int cpu, WorkStruct work) {
        if (work == null) {
            throw new IllegalArgumentException("queue_work on " + name + ": no work item");
        }
        if (cpu != WORK_CPU_UNBOUND) {
            checkedCpu(cpu);
        }
        if (wqs.isShutDown()) {
            throw new IllegalStateException("queue_work(" + work + ") on " + name + " after the workqueues were shut down");
        }
        if (destroyed()) {
            throw new IllegalStateException("queue_work(" + work + ") on destroyed workqueue " + name
                    + " (a use after free in the kernel)");
        }
        work.bind(wqs);
    }

    private int checkedCpu(int cpu) {
        if (cpu < 0 || cpu >= cpuPwqs.length) {
            throw new IllegalArgumentException("no CPU" + cpu + ": this machine has CPUs 0.." + (cpuPwqs.length - 1));
        }
        return cpu;
    }

    // ---- drain and destroy --------------------------------------------------------------------

    /** {@code drain_workqueue(wq)}: waits until no item is active or delayed; only chained work may queue meanwhile. */
    void drain() {
        kernel.mightSleep("drain_workqueue(" + name + ")");
        mutex.lock();
        if (nrDrainers++ == 0) {
            FLAGS.setOpaque(this, flags() | WQ_DRAINING);
        }
        mutex.unlock();
        for (int flushCnt = 1; ; flushCnt++) {
            waitUntilDrained();
            if (allDrained()) {
                break;
            }
            if (flushCnt == 10 || (flushCnt % 100 == 0 && flushCnt <= 1000)) {
                kernel.printk("workqueue " + name + ": drain_workqueue() isn't complete after " + flushCnt + " tries");
            }
        }
        mutex.lock();
        if (--nrDrainers == 0) {
            FLAGS.setOpaque(this, flags() & ~WQ_DRAINING);
        }
        mutex.unlock();
    }

    /**
     * Stands in for {@code flush_workqueue}: sleeps until every pwq is drained. The drainer registers
     * and sets its state before it tests, under each pool lock; a pwq going idle wakes the registered
     * drainers under the same lock, so the wake-up cannot be lost.
     */
    private void waitUntilDrained() {
        Task me = kernel.current();
        drainers.add(me);
        me.setBlockedOn("drain_workqueue(" + name + ")");
        try {
            while (true) {
                kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
                if (allDrained()) {
                    break;
                }
                kernel.schedule();
            }
        } finally {
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
            drainers.remove(me);
            me.setBlockedOn("");
        }
    }

    private boolean allDrained() {
        for (PoolWorkqueue pwq : cpuPwqs) {
            pwq.pool.lock.lockIrq();
            boolean drained = pwq.drained();
            pwq.pool.lock.unlockIrq();
            if (!drained) {
                return false;
            }
        }
        return true;
    }

    /** A pwq of this workqueue has no active and no delayed item; called under its pool lock. */
    void pwqIdle() {
        for (Task t : drainers) {
            kernel.wakeUpProcess(t);
        }
    }

    /**
     * {@code destroy_workqueue} after draining: refuses, with the kernel's warning, if a pwq still
     * has items in flight; returns whether it was destroyed.
     */
    boolean destroy() {
        drain();
        mutex.lock();
        try {
            for (PoolWorkqueue pwq : cpuPwqs) {
                pwq.pool.lock.lockIrq();
                String busy = null;
                for (int c = 0; c < pwq.nrInFlight.length; c++) {
                    if (pwq.nrInFlight[c] != 0) {
                        busy = "nr_in_flight[" + c + "]=" + pwq.nrInFlight[c];
                    }
                }
                if (busy == null && (pwq.nrActive != 0 || !pwq.delayedWorks.isEmpty())) {
                    busy = "nr_active=" + pwq.nrActive + " delayed=" + pwq.delayedWorks.size();
                }
                pwq.pool.lock.unlockIrq();
                if (busy != null) {
                    kernel.printk("WARNING: destroy_workqueue: " + name + " has a busy pwq " + pwq + ": " + busy);
                    return false;
                }
            }
            DESTROYED.setOpaque(this, true);
            return true;
        } finally {
            mutex.unlock();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
