package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * {@code struct worker_pool}: the per-CPU pool of kworkers that executes the work items of every
 * workqueue bound to that CPU (two per CPU: normal and high priority, as in v4.4).
 *
 * <p><b>State</b>, all under {@code pool->lock} (taken with interrupts off, since work is queued from
 * interrupt context): {@code worklist}, the items ready to run in order; the idle workers, most
 * recently idle first; and {@code busy_hash}, the workers executing an item, keyed by the item. The
 * busy set is what makes a work item non-reentrant: {@code find_worker_executing_work} tells the
 * queueing side and the worker about to start an item whether some worker of this pool already
 * executes it, in which case the item goes to that worker's {@code scheduled} list instead of
 * running twice (invariant Q4).
 *
 * <p><b>No concurrency management.</b> v4.4 counts {@code nr_running}, the pool's workers that are
 * running and not sleeping, so that one worker per CPU normally does all the work and another one is
 * woken only when it sleeps ({@code wq_worker_sleeping}). The model has no scheduler hook for that and
 * keeps {@code nr_running} at 0, as it is for unbound pools: {@code need_more_worker} is true whenever
 * the worklist is not empty, so {@code insert_work} wakes the first idle worker every time and a
 * worker that starts an item wakes another if more are waiting. That gives more parallelism than a
 * bound pool, never less progress. The pool has a fixed number of kworkers (no manager creating or
 * culling them); a pool configured with none is driven by its caller through {@link #manualWorker}.
 */
public final class WorkerPool {
    private static final VarHandle NR_IDLE;
    private static final VarHandle NR_WORKERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NR_IDLE = l.findVarHandle(WorkerPool.class, "nrIdle", int.class);
            NR_WORKERS = l.findVarHandle(WorkerPool.class, "nrWorkers", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Workqueues wqs;
    final Kernel kernel;
    /** {@code pool->id}, from {@code worker_pool_idr}: CPU n's pools are 2n and 2n+1. */
    final int id;
    final int cpu;
    final boolean highpri;
    final SpinLock lock;
    final WorkList worklist;
    private final Deque<Worker> idleList = new ArrayDeque<>();
    @SuppressWarnings("unused") private int nrIdle;
    @SuppressWarnings("unused") private int nrWorkers;
    /** {@code busy_hash}: workers executing an item. */
    final List<Worker> busy = new ArrayList<>();
    /** The kworkers (kernel threads), in creation order. */
    final List<Worker> workers = new ArrayList<>();
    private final Worker[] manual;

    WorkerPool(Workqueues wqs, int id, int cpu, boolean highpri, int nrManual) {
        this.wqs = wqs;
        this.kernel = wqs.kernel();
        this.id = id;
        this.cpu = cpu;
        this.highpri = highpri;
        this.lock = new SpinLock(kernel, this + ".lock");
        this.worklist = new WorkList(this + ".worklist");
        this.manual = new Worker[nrManual];
        for (int i = 0; i < nrManual; i++) {
            manual[i] = new Worker(this, i, "manual/" + cpu + ":" + i + (highpri ? "H" : ""), false);
        }
    }

    /** The CPU the pool is bound to. */
    public int cpu() {
        return cpu;
    }

    /** Whether it is the high-priority pool ({@code WQ_HIGHPRI} workqueues). */
    public boolean highpri() {
        return highpri;
    }

    /**
     * A worker of this pool that is not a kernel thread: its caller's task acts as the worker for the
     * duration of {@link Worker#processWorklist}. Checks use these so that the model checker or
     * jcstress, not the scheduler, decides when work runs.
     */
    public Worker manualWorker(int index) {
        if (index < 0 || index >= manual.length) {
            throw new IllegalArgumentException(this + " has manual workers 0.." + (manual.length - 1) + ", not " + index);
        }
        return manual[index];
    }

    /** {@code pool->nr_idle}, a racy snapshot for tests and messages. */
    public int nrIdle() {
        return (int) NR_IDLE.getOpaque(this);
    }

    /** {@code pool->nr_workers} (kernel threads), a racy snapshot. */
    public int nrWorkers() {
        return (int) NR_WORKERS.getOpaque(this);
    }

    /** Whether the worklist is empty, a racy snapshot. */
    public boolean worklistEmpty() {
        return worklist.isEmpty();
    }

    /** {@code find_worker_executing_work}: the busy worker running this very work item, or null. */
    Worker findWorkerExecutingWork(WorkStruct work) {
        for (Worker w : busy) {
            if (w.currentWork == work && w.currentFunc == work.func()) {
                return w;
            }
        }
        return null;
    }

    /** {@code need_more_worker}: work is waiting and (always, in the model) nobody is running. */
    boolean needMoreWorker() {
        return !worklist.isEmpty();
    }

    /** {@code keep_working}. */
    boolean keepWorking() {
        return !worklist.isEmpty();
    }

    /** {@code wake_up_worker}: wakes the first idle worker, if any. */
    void wakeUpWorker() {
        Worker w = idleList.peekFirst();
        if (w != null) {
            kernel.wakeUpProcess(w.task);
        }
    }

    /** {@code worker_enter_idle}. */
    void workerEnterIdle(Worker w) {
        w.flags |= Worker.WORKER_IDLE;
        NR_IDLE.setOpaque(this, (int) NR_IDLE.getOpaque(this) + 1);
        idleList.addFirst(w);
    }

    /** {@code worker_leave_idle}. */
    void workerLeaveIdle(Worker w) {
        if ((w.flags & Worker.WORKER_IDLE) == 0) {
            return;
        }
        w.flags &= ~Worker.WORKER_IDLE;
        NR_IDLE.setOpaque(this, (int) NR_IDLE.getOpaque(this) - 1);
        idleList.remove(w);
    }

    /** {@code worker_attach_to_pool}: counts a new kworker. */
    void attach(Worker w) {
        workers.add(w);
        NR_WORKERS.setOpaque(this, (int) NR_WORKERS.getOpaque(this) + 1);
    }

    /** {@code worker_detach_from_pool}. */
    void detach(Worker w) {
        workers.remove(w);
        NR_WORKERS.setOpaque(this, (int) NR_WORKERS.getOpaque(this) - 1);
    }

    @Override
    public String toString() {
        return "pool" + id + "(cpu" + cpu + (highpri ? ",H" : "") + ")";
    }
}
