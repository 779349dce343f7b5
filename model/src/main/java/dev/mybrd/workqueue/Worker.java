package dev.mybrd.workqueue;

import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;

/**
 * {@code struct worker} and its loop, {@code worker_thread}, with {@code process_one_work}: a kworker
 * takes items off its pool's worklist and runs them, one at a time.
 *
 * <p><b>process_one_work</b>, entered and left with {@code pool->lock} held:
 * <ol>
 * <li>collision: if another worker of the pool is executing this very item, move it (with any
 * barrier linked to it) to that worker's {@code scheduled} list and return: the item runs there,
 * after the current execution, never beside it (Q4);</li>
 * <li>claim: enter the busy hash, note {@code current_work}/{@code current_func}/{@code current_pwq},
 * take the item off the list;</li>
 * <li>{@code set_work_pool_and_clear_pending}: record the pool and clear PENDING, still under the
 * lock, followed by {@code smp_mb}: from here a {@code queue_work} queues the item again, so an update
 * made before it is seen by this execution or the next (Q3);</li>
 * <li>unlock, call the function, lock;</li>
 * <li>release: leave the busy hash, {@code pwq_dec_nr_in_flight}.</li>
 * </ol>
 *
 * <p><b>worker_thread</b>: with the lock held, leave idle; while the worklist is not empty, process the
 * first item (an item with {@code LINKED} set is moved with its barrier to {@code scheduled} first)
 * and then everything {@code scheduled} collected; then enter idle, set {@code TASK_INTERRUPTIBLE}
 * before dropping the lock and sleep. Wakers ({@code insert_work}) wake an idle worker under the same
 * lock, so no wake-up is lost. The model's idle sleep is a {@code schedule_timeout} shorter than the
 * hung-task bound, which the model applies to every sleep (the kernel's khungtaskd ignores
 * interruptible sleeps); on return the worker rechecks as after any wake-up.
 *
 * <p>A manual worker ({@link WorkerPool#manualWorker}) is the same worker without the thread: its
 * caller runs {@link #processWorklist}, one pass of the loop, as that worker.
 */
public final class Worker {
    /** {@code WORKER_DIE}: told to exit. */
    static final int WORKER_DIE = 1 << 1;
    /** {@code WORKER_IDLE}: on the idle list. */
    static final int WORKER_IDLE = 1 << 2;

    private static final long MAX_IDLE_NAP_NANOS = 1_000_000_000L;

    final WorkerPool pool;
    final Workqueues wqs;
    final Kernel kernel;
    final int id;
    final String comm;
    final boolean kthread;
    /** {@code worker->task}: the kthread's task, or the caller of a manual worker's pass. */
    volatile Task task;
    WorkStruct currentWork;
    WorkFunc currentFunc;
    PoolWorkqueue currentPwq;
    final WorkList scheduled;
    int flags;
    Thread thread;

    Worker(WorkerPool pool, int id, String comm, boolean kthread) {
        this.pool = pool;
        this.wqs = pool.wqs;
        this.kernel = pool.kernel;
        this.id = id;
        this.comm = comm;
        this.kthread = kthread;
        this.scheduled = new WorkList(comm + ".scheduled");
    }

    /** {@code current->comm} of the worker, e.g. {@code kworker/0:1} or {@code kworker/1:0H}. */
    public String comm() {
        return comm;
    }

    /** Whether it is on its pool's idle list (a racy snapshot). */
    public boolean isIdle() {
        return (flags & WORKER_IDLE) != 0;
    }

    /**
     * One pass of {@code worker_thread} by the calling task, for a manual worker: processes the
     * pool's worklist until it is empty, then returns instead of sleeping. Must run inside
     * {@code Kernel.runOn}, in process context.
     */
    public void processWorklist() {
        if (kthread) {
            throw new IllegalStateException(comm + " is a kernel thread; only a manual worker is driven by its caller");
        }
        kernel.mightSleep("worker_thread pass of " + comm);
        task = kernel.current();
        Worker outer = wqs.enterWorker(this);
        pool.lock.lockIrq();
        try {
            if (pool.needMoreWorker()) {
                workLoop();
            }
        } finally {
            pool.lock.unlockIrq();
            wqs.leaveWorker(outer);
        }
    }

    /** {@code worker_thread}: the body of a kworker. */
    void workerThread() {
        task = kernel.current();
        wqs.enterWorker(this);
        long nap = Math.max(1, Math.min(MAX_IDLE_NAP_NANOS, kernel.hungTaskTimeout() / 2));
        while (true) {
            pool.lock.lockIrq();
            if ((flags & WORKER_DIE) != 0) {
                pool.workerLeaveIdle(this);
                pool.detach(this);
                pool.lock.unlockIrq();
                return;
            }
            pool.workerLeaveIdle(this);
            try {
                if (pool.needMoreWorker()) {
                    workLoop();
                }
            } catch (RuntimeException | Error e) {
                // An oops in a work function kills the kworker; the lock is not left held.
                pool.lock.unlockIrq();
                throw e;
            }
            if ((flags & WORKER_DIE) != 0) {
                pool.lock.unlockIrq();
                continue;
            }
            pool.workerEnterIdle(this);
            kernel.setCurrentStateRelaxed(Task.TASK_INTERRUPTIBLE);
            pool.lock.unlockIrq();
            kernel.scheduleTimeout(nap);
            bindToPoolCpu();
        }
    }

    /**
     * A per-CPU kworker is bound to its CPU ({@code kthread_bind_mask}); the model's scheduler may
     * resume a woken task on any free CPU, so the worker moves back before it touches its pool.
     */
    private void bindToPoolCpu() {
        if (kernel.smpProcessorId() != pool.cpu) {
            kernel.migrate(pool.cpu);
        }
    }

    /** The {@code do { ... } while (keep_working(pool))} part of worker_thread; lock held. */
    private void workLoop() {
        do {
            WorkStruct work = pool.worklist.first();
            if ((work.data() & WorkStruct.WORK_STRUCT_LINKED) == 0) {
                processOneWork(work);
                if (!scheduled.isEmpty()) {
                    processScheduledWorks();
                }
            } else {
                WorkList.moveLinkedWorks(work, scheduled);
                processScheduledWorks();
            }
        } while (pool.keepWorking());
    }

    /** {@code process_scheduled_works}. */
    private void processScheduledWorks() {
        while (!scheduled.isEmpty()) {
            processOneWork(scheduled.first());
        }
    }

    /** {@code process_one_work}: see the class comment. Called and returns with the pool lock held. */
    void processOneWork(WorkStruct work) {
        PoolWorkqueue pwq = wqs.getWorkPwq(work);
        KernelBug.bugOn(pwq == null, () -> "process_one_work: " + work + " on " + work.entry + " is not queued on a pwq");
        Worker collision = pool.findWorkerExecutingWork(work);
        if (collision != null) {
            WorkList.moveLinkedWorks(work, collision.scheduled);
            return;
        }
        claim(work, pwq);
        int workColor = WorkStruct.getWorkColor(work.data());
        work.entry.remove(work);
        if (pool.needMoreWorker()) {
            pool.wakeUpWorker();
        }
        boolean clearAfter = wqs.bug(WqBug.CLEAR_PENDING_AFTER_FUNC);
        if (clearAfter) {
            work.setWorkPoolAndKeepPending(pool.id);
        } else {
            work.setWorkPoolAndClearPending(pool.id, !wqs.bug(WqBug.GHOST_PENDING));
        }
        pool.lock.unlockIrq();
        try {
            currentFunc.run(work);
            if (clearAfter) {
                work.setWorkPoolAndClearPending(pool.id, true);
            }
            checkLeak();
        } finally {
            pool.lock.lockIrq();
            release(pwq, workColor);
        }
    }

    /** Claim and dequeue: {@code hash_add(pool->busy_hash)}, {@code worker->current_*}. */
    private void claim(WorkStruct work, PoolWorkqueue pwq) {
        pool.busy.add(this);
        currentWork = work;
        currentFunc = work.func();
        currentPwq = pwq;
    }

    /** "we're done with it, release": {@code hash_del}, clear {@code current_*}, drop the in-flight count. */
    private void release(PoolWorkqueue pwq, int workColor) {
        pool.busy.remove(this);
        currentWork = null;
        currentFunc = null;
        currentPwq = null;
        pwq.decNrInFlight(workColor);
    }

    /** "BUG: workqueue leaked lock or atomic": a function must return in plain process context. */
    private void checkLeak() {
        Cpu cpu = kernel.thisCpu();
        Task me = kernel.current();
        if (cpu.inAtomic() || cpu.irqsDisabled() || !me.heldLocks().isEmpty()) {
            kernel.printk("BUG: workqueue leaked lock or atomic: " + comm + "/0x"
                    + Integer.toHexString(cpu.preemptCount()) + " last function: " + currentWork
                    + (me.heldLocks().isEmpty() ? "" : ", holding " + me.heldLocks()));
        }
    }

    @Override
    public String toString() {
        return comm;
    }
}
