package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The workqueue subsystem of one simulated machine ({@code kernel/workqueue.c}): the per-CPU worker
 * pools and their kworkers, {@code worker_pool_idr}, the system workqueues, and the functions that
 * take a work item rather than a workqueue: {@code flush_work}, {@code cancel_work_sync},
 * {@code work_busy}.
 *
 * <p><b>Boot and shutdown.</b> {@link #start} is {@code init_workqueues}: two pools per CPU (ids 2n
 * and 2n+1, normal and high priority), {@code system_wq} ("events") and {@code system_highpri_wq}
 * ("events_highpri"), and the kworkers as kernel threads ({@code kworker/<cpu>:<id>}, with an
 * {@code H} suffix for high priority), each idle before {@code start} returns. {@link #shutdown} is
 * model-only: it tells every kworker to exit once it has finished what it is doing ({@code WORKER_DIE},
 * as {@code destroy_worker}), waits for the threads (bounded) and fails if work was left queued or a
 * kworker did not exit. A configuration without kworkers has only manual workers, driven by the checks.
 * The timer bases, the cancel wait queue and {@code system_highpri_wq} are built on first use rather
 * than at boot, which changes nothing observable and keeps the model checker's per-run set-up small.
 *
 * <p><b>flush_work(work)</b> waits until every execution of {@code work} queued before the call has
 * finished (Q6): under the pool lock of the work's last pool it queues a {@link WqBarrier} after the
 * pending instance, or after the execution in progress if it is not pending, and sleeps until the
 * barrier runs. It returns false at once if the work was idle. Flushing a work item from inside its own
 * execution would wait for itself forever; lockdep reports that as recursive locking on the work's
 * lockdep map, and so does the model.
 */
public final class Workqueues implements AutoCloseable {
    /** {@code work_busy}: pending. */
    public static final int WORK_BUSY_PENDING = 1;
    /** {@code work_busy}: executing. */
    public static final int WORK_BUSY_RUNNING = 2;

    private static final long SHUTDOWN_BOUND_MILLIS = 10_000;

    /**
     * How the subsystem is built.
     *
     * @param workersPerPool kworkers (kernel threads) per pool; 0 for a machine driven only by manual workers
     * @param manualWorkersPerPool manual workers per pool, for checks that run the workers themselves
     * @param bugs seeded bugs switched on (none by default)
     */
    public record Config(int workersPerPool, int manualWorkersPerPool, Set<WqBug> bugs) {
        public Config {
            if (workersPerPool < 0 || workersPerPool > 16) {
                throw new IllegalArgumentException("workers per pool must be in 0..16, got " + workersPerPool);
            }
            if (manualWorkersPerPool < 0 || manualWorkersPerPool > 64) {
                throw new IllegalArgumentException("manual workers per pool must be in 0..64, got " + manualWorkersPerPool);
            }
            if (bugs == null) {
                throw new IllegalArgumentException("bugs: use an empty set for none");
            }
            bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
        }

        /** Two kworkers per pool, no manual workers, no bugs. */
        public static Config defaults() {
            return new Config(2, 0, Set.of());
        }

        /** No kworkers; {@code n} manual workers per pool. */
        public static Config manual(int n) {
            return new Config(0, n, Set.of());
        }

        /** This configuration with {@code n} kworkers per pool. */
        public Config withWorkersPerPool(int n) {
            return new Config(n, manualWorkersPerPool, bugs);
        }

        /** This configuration with {@code bug} switched on as well. */
        public Config withBug(WqBug bug) {
            EnumSet<WqBug> s = bugs.isEmpty() ? EnumSet.noneOf(WqBug.class) : EnumSet.copyOf(bugs);
            s.add(bug);
            return new Config(workersPerPool, manualWorkersPerPool, s);
        }
    }

    private final Kernel kernel;
    private final Config config;
    /** Built on first use (see the class comment). */
    private volatile Timers timers;
    private final WorkerPool[] pools;
    private final List<PoolWorkqueue> pwqs = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Worker> currentWorker = new ThreadLocal<>();
    private volatile WorkCancel cancel;
    private final Workqueue systemWq;
    private volatile Workqueue systemHighpriWq;
    private volatile boolean shutDown;

    private Workqueues(Kernel kernel, Config config) {
        this.kernel = kernel;
        this.config = config;
        this.pools = new WorkerPool[2 * kernel.nrCpus()];
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            for (int h = 0; h < 2; h++) {
                int id = 2 * cpu + h;
                pools[id] = new WorkerPool(this, id, cpu, h == 1, config.manualWorkersPerPool());
            }
        }
        this.systemWq = new Workqueue(this, "events", 0, Workqueue.WQ_DFL_ACTIVE);
    }

    /**
     * {@code init_workqueues}: builds the pools and system workqueues of {@code kernel} and starts
     * the kworkers; returns once every kworker is idle. Call it outside {@code Kernel.runOn}.
     */
    public static Workqueues start(Kernel kernel, Config config) {
        Workqueues wqs = new Workqueues(kernel, config);
        for (WorkerPool pool : wqs.pools) {
            for (int i = 0; i < config.workersPerPool(); i++) {
                Worker w = new Worker(pool, i, "kworker/" + pool.cpu + ":" + i + (pool.highpri ? "H" : ""), true);
                pool.attach(w);
            }
        }
        for (WorkerPool pool : wqs.pools) {
            for (Worker w : new ArrayList<>(pool.workers)) {
                w.thread = kernel.kthreadRun(pool.cpu, w.comm, w::workerThread);
            }
        }
        wqs.awaitIdleWorkers();
        return wqs;
    }

    private void awaitIdleWorkers() {
        long deadline = System.nanoTime() + SHUTDOWN_BOUND_MILLIS * 1_000_000;
        for (WorkerPool pool : pools) {
            while (pool.nrIdle() < pool.nrWorkers()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("kworkers of " + pool + " did not go idle after start: "
                            + pool.nrIdle() + " of " + pool.nrWorkers() + "; oopses " + kernel.oopses());
                }
                Thread.yield();
            }
        }
    }

    Kernel kernel() {
        return kernel;
    }

    /** The configuration it was started with. */
    public Config config() {
        return config;
    }

    /** Whether {@link #shutdown} ran. */
    public boolean isShutDown() {
        return shutDown;
    }

    /** Whether a seeded bug is switched on. */
    boolean bug(WqBug bug) {
        return config.bugs().contains(bug);
    }

    /** The clock and timer bases that delayed work uses. */
    public Timers timers() {
        Timers t = timers;
        if (t == null) {
            synchronized (this) {
                t = timers;
                if (t == null) {
                    t = Timers.of(kernel);
                    timers = t;
                }
            }
        }
        return t;
    }

    /** {@code system_wq} ("events"): what {@code schedule_work} uses. */
    public Workqueue systemWq() {
        return systemWq;
    }

    /** {@code system_highpri_wq} ("events_highpri"). */
    public Workqueue systemHighpriWq() {
        Workqueue wq = systemHighpriWq;
        if (wq == null) {
            synchronized (this) {
                wq = systemHighpriWq;
                if (wq == null) {
                    wq = new Workqueue(this, "events_highpri", Workqueue.WQ_HIGHPRI, Workqueue.WQ_DFL_ACTIVE);
                    systemHighpriWq = wq;
                }
            }
        }
        return wq;
    }

    /** CPU {@code cpu}'s normal or high-priority pool. */
    public WorkerPool pool(int cpu, boolean highpri) {
        kernel.cpu(cpu);
        return pools[2 * cpu + (highpri ? 1 : 0)];
    }

    /** {@code schedule_work(work)}: {@code queue_work(system_wq, work)}. */
    public boolean scheduleWork(WorkStruct work) {
        return systemWq.queueWork(work);
    }

    /**
     * {@code alloc_workqueue(name, flags, max_active)}: {@code max_active} 0 means
     * {@link Workqueue#WQ_DFL_ACTIVE}; out of 1..{@link Workqueue#WQ_MAX_ACTIVE} it is clamped with the
     * kernel's warning. {@code WQ_UNBOUND} and unknown flags are refused.
     */
    public Workqueue allocWorkqueue(String name, int flags, int maxActive) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("alloc_workqueue needs a name");
        }
        if ((flags & ~Workqueue.USER_FLAGS) != 0) {
            throw new IllegalArgumentException("alloc_workqueue(" + name + "): unknown flags 0x"
                    + Integer.toHexString(flags & ~Workqueue.USER_FLAGS));
        }
        if ((flags & Workqueue.WQ_UNBOUND) != 0) {
            throw new IllegalArgumentException("alloc_workqueue(" + name + "): WQ_UNBOUND is not modelled");
        }
        if (shutDown) {
            throw new IllegalStateException("alloc_workqueue(" + name + ") after shutdown");
        }
        int active = maxActive == 0 ? Workqueue.WQ_DFL_ACTIVE : maxActive;
        if (active < 1 || active > Workqueue.WQ_MAX_ACTIVE) {
            kernel.printk("workqueue: max_active " + active + " requested for " + name
                    + " is out of range, clamping between 1 and " + Workqueue.WQ_MAX_ACTIVE);
            active = Math.max(1, Math.min(active, Workqueue.WQ_MAX_ACTIVE));
        }
        return new Workqueue(this, name, flags, active);
    }

    /**
     * {@code destroy_workqueue(wq)}: drains it (may sleep) and destroys it; as in the kernel, a
     * workqueue that still has items in flight after draining is left alive with a warning, and the
     * call returns false.
     */
    public boolean destroyWorkqueue(Workqueue wq) {
        if (wq == null || wq.workqueues() != this) {
            throw new IllegalArgumentException("destroy_workqueue: " + wq + " is not a workqueue of this machine");
        }
        if (wq == systemWq || wq == systemHighpriWq) {
            throw new IllegalArgumentException("destroy_workqueue: the system workqueue " + wq.name() + " is never destroyed");
        }
        if (wq.destroyed()) {
            throw new IllegalStateException("destroy_workqueue: " + wq.name() + " was already destroyed");
        }
        return wq.destroy();
    }

    /** {@code drain_workqueue(wq)}: waits until it has no active or delayed item (may sleep). */
    public void drainWorkqueue(Workqueue wq) {
        if (wq == null || wq.workqueues() != this) {
            throw new IllegalArgumentException("drain_workqueue: " + wq + " is not a workqueue of this machine");
        }
        wq.drain();
    }

    // ---- flush_work ---------------------------------------------------------------------------

    /**
     * {@code flush_work(work)}: waits for the last queueing of {@code work} to finish executing;
     * true if it waited, false if the work was idle. May sleep.
     */
    public boolean flushWork(WorkStruct work) {
        if (work == null) {
            throw new IllegalArgumentException("flush_work: no work item");
        }
        kernel.mightSleep("flush_work(" + work + ")");
        Worker me = currentWorker();
        if (me != null && me.currentWork == work) {
            throw new KernelBug("possible recursive locking detected: " + me.comm + " calls flush_work(" + work
                    + ") from that work's own execution, which would wait for itself forever");
        }
        if (work.owner() != this) {
            if (work.owner() == null) {
                return false;
            }
            throw new IllegalArgumentException("flush_work: " + work + " belongs to another machine");
        }
        WqBarrier barr = new WqBarrier(kernel, work);
        if (startFlushWork(work, barr)) {
            barr.done.waitForCompletion("flush_work(" + work + ")");
            return true;
        }
        return false;
    }

    /**
     * {@code start_flush_work}: queues the barrier; false if the work is idle. The kernel pairs
     * {@code local_irq_disable} + {@code spin_lock} with {@code spin_unlock_irq}; the model spells the
     * unlock as {@code spin_unlock} + {@code local_irq_enable}, which is the same, so that lockdep-lite's
     * R2 check (an unlock_irq of a lock taken with IRQs off) is not tripped by this local pairing.
     */
    private boolean startFlushWork(WorkStruct work, WqBarrier barr) {
        kernel.localIrqDisable();
        WorkerPool pool = getWorkPool(work);
        if (pool == null) {
            kernel.localIrqEnable();
            return false;
        }
        pool.lock.lock();
        try {
            PoolWorkqueue pwq = getWorkPwq(work);
            Worker worker = null;
            if (pwq != null) {
                if (pwq.pool != pool) {
                    return false;
                }
            } else {
                worker = pool.findWorkerExecutingWork(work);
                if (worker == null) {
                    return false;
                }
                pwq = worker.currentPwq;
            }
            barr.insert(pwq, work, worker);
            return true;
        } finally {
            pool.lock.unlock();
            kernel.localIrqEnable();
        }
    }

    // ---- cancel -------------------------------------------------------------------------------

    /**
     * {@code cancel_work_sync(work)}: dequeues it if pending and waits for an execution in progress;
     * on return it is idle unless queued again meanwhile. True if it was pending. May sleep.
     */
    public boolean cancelWorkSync(WorkStruct work) {
        if (work == null) {
            throw new IllegalArgumentException("cancel_work_sync: no work item");
        }
        return cancel().cancelWorkTimer(work, false);
    }

    /** {@code cancel_delayed_work_sync(dwork)}: also disarms its timer. */
    public boolean cancelDelayedWorkSync(DelayedWork dwork) {
        if (dwork == null) {
            throw new IllegalArgumentException("cancel_delayed_work_sync: no work item");
        }
        return cancel().cancelWorkTimer(dwork, true);
    }

    private WorkCancel cancel() {
        WorkCancel c = cancel;
        if (c == null) {
            synchronized (this) {
                c = cancel;
                if (c == null) {
                    c = new WorkCancel(this);
                    cancel = c;
                }
            }
        }
        return c;
    }

    // ---- inspection ---------------------------------------------------------------------------

    /** {@code work_busy(work)}: {@link #WORK_BUSY_PENDING} and/or {@link #WORK_BUSY_RUNNING}. */
    public int workBusy(WorkStruct work) {
        int ret = work.workPending() ? WORK_BUSY_PENDING : 0;
        boolean flags = kernel.localIrqSave();
        WorkerPool pool = getWorkPool(work);
        if (pool != null) {
            pool.lock.lock();
            if (pool.findWorkerExecutingWork(work) != null) {
                ret |= WORK_BUSY_RUNNING;
            }
            pool.lock.unlock();
        }
        kernel.localIrqRestore(flags);
        return ret;
    }

    /** {@code current_work()}: the item the current task executes as a worker, or null. */
    public WorkStruct currentWork() {
        Worker w = currentWorker.get();
        return w == null ? null : w.currentWork;
    }

    /** {@code current_wq_worker()}. */
    Worker currentWorker() {
        return currentWorker.get();
    }

    Worker enterWorker(Worker w) {
        Worker outer = currentWorker.get();
        currentWorker.set(w);
        return outer;
    }

    void leaveWorker(Worker outer) {
        if (outer == null) {
            currentWorker.remove();
        } else {
            currentWorker.set(outer);
        }
    }

    // ---- work->data lookups -------------------------------------------------------------------

    PoolWorkqueue newPwq(Workqueue wq, WorkerPool pool, int maxActive) {
        synchronized (pwqs) {
            PoolWorkqueue pwq = new PoolWorkqueue(pwqs.size(), wq, pool, maxActive);
            pwqs.add(pwq);
            return pwq;
        }
    }

    /** {@code get_work_pwq}: the pwq the work is queued on, or null when off queue. */
    PoolWorkqueue getWorkPwq(WorkStruct work) {
        long data = work.data();
        if ((data & WorkStruct.WORK_STRUCT_PWQ) == 0) {
            return null;
        }
        return pwqs.get((int) (data >>> WorkStruct.WORK_STRUCT_FLAG_BITS));
    }

    /** {@code get_work_pool}: the pool the work is queued on or last ran on, or null. */
    WorkerPool getWorkPool(WorkStruct work) {
        long data = work.data();
        if ((data & WorkStruct.WORK_STRUCT_PWQ) != 0) {
            return pwqs.get((int) (data >>> WorkStruct.WORK_STRUCT_FLAG_BITS)).pool;
        }
        long poolId = data >>> WorkStruct.WORK_OFFQ_POOL_SHIFT;
        return poolId == WorkStruct.WORK_OFFQ_POOL_NONE ? null : pools[(int) poolId];
    }

    /** {@code get_work_pool_id}. */
    int getWorkPoolId(WorkStruct work) {
        long data = work.data();
        if ((data & WorkStruct.WORK_STRUCT_PWQ) != 0) {
            return pwqs.get((int) (data >>> WorkStruct.WORK_STRUCT_FLAG_BITS)).pool.id;
        }
        return (int) (data >>> WorkStruct.WORK_OFFQ_POOL_SHIFT);
    }

    // ---- shutdown -----------------------------------------------------------------------------

    /**
     * Stops every kworker: each exits once it has finished its current work (bounded wait). Fails,
     * after stopping them, if a kworker did not exit or work was left queued. Call it outside
     * {@code Kernel.runOn}. Idempotent.
     */
    public void shutdown() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        List<String> problems = new ArrayList<>();
        // Snapshot each pool's kworkers under its lock: dying kworkers detach themselves concurrently.
        List<Worker> dying = new ArrayList<>();
        for (WorkerPool pool : pools) {
            kernel.runOn(pool.cpu, "wq_shutdown", () -> {
                pool.lock.lockIrq();
                for (Worker w : pool.workers) {
                    w.flags |= Worker.WORKER_DIE;
                    dying.add(w);
                    kernel.wakeUpProcess(w.task);
                }
                pool.lock.unlockIrq();
            });
        }
        long deadline = System.currentTimeMillis() + SHUTDOWN_BOUND_MILLIS;
        for (Worker w : dying) {
            try {
                w.thread.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (w.thread.isAlive()) {
                problems.add(w.comm + " did not exit" + (w.currentWork == null ? "" : ", still executing " + w.currentWork));
            }
        }
        for (WorkerPool pool : pools) {
            if (!pool.worklist.isEmpty()) {
                problems.add(pool + " still has queued " + pool.worklist.snapshot());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("workqueue shutdown: " + String.join("; ", problems));
        }
    }

    /** {@link #shutdown}. */
    @Override
    public void close() {
        shutdown();
    }
}
