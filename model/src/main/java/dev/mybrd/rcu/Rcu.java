package dev.mybrd.rcu;

import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * RCU of a non-preemptible v4.4 kernel ({@code CONFIG_TREE_RCU}, {@code CONFIG_PREEMPT=n}), where
 * {@code rcu_read_lock} is the {@code rcu_sched} flavour: {@code synchronize_rcu} is
 * {@code synchronize_sched} and {@code call_rcu} is {@code call_rcu_sched}.
 *
 * <p><b>Read side.</b> {@link #readLock} is {@code preempt_disable()}, so a reader cannot sleep,
 * migrate or be switched out; sections nest (a per-CPU depth, which answers
 * {@code rcu_read_lock_held()} and catches an unbalanced unlock). Readers write nothing shared and
 * never wait. This path is the page store's ({@code PageStore.lookupPage}) and costs two counter
 * updates.
 *
 * <p><b>Grace periods.</b> Because a reader keeps its CPU, a CPU that passes a context switch, or
 * is idle, has left every section it was in: a quiescent state. A grace period ({@link RcuNode})
 * starts with the set of CPUs that run a task and ends when each has reported a context switch
 * (reported by the kernel through {@code Kernel.addQuiescentStateListener}). Every read-side
 * section that began before the grace period started has ended by then (invariant I1).
 *
 * <p><b>Update side.</b> {@link #synchronizeRcu} sleeps until a grace period that started after
 * the call has ended. {@link #callRcu} queues a callback on this CPU ({@link RcuData}); it is
 * numbered with the grace period it needs, and invoked once, in {@code RCU_SOFTIRQ} on this CPU,
 * after that grace period. {@link #rcuBarrier} waits until every callback queued before it ran.
 *
 * <p><b>Differences from v4.4, by design.</b>
 * <ul>
 *   <li>No {@code rcu_gp_kthread}: grace-period initialisation and cleanup run inline where the
 *       kernel would wake that thread (see {@link RcuNode}).
 *   <li>{@code synchronize_rcu} waits for the grace-period number itself and is woken by
 *       {@code rcu_gp_cleanup}; v4.4's {@code wait_rcu_gp} queues a {@code wakeme_after_rcu}
 *       callback on the caller's CPU instead. The guarantee is the same; the model's form does not
 *       need the caller's now idle CPU to take a tick to invoke that callback.
 *   <li>No timer tick. {@code RCU_SOFTIRQ}, which the tick raises when this CPU has RCU work
 *       ({@code rcu_check_callbacks}), is raised by {@link #callRcu} itself and by
 *       {@link #schedulingClockTick}; it runs at the CPU's next softirq point (interrupt exit,
 *       {@code local_bh_enable}, a scheduling point, the end of {@code runOn}). An idle CPU with
 *       callbacks keeps its tick in v4.4 ({@code rcu_needs_cpu}); the model has nobody to run it,
 *       so {@link #rcuBarrier} visits such CPUs and ticks them, as part of its wait.
 *   <li>One {@code rcu_node} (exact for up to 16 CPUs), no CPU hotplug, no expedited grace
 *       periods, no {@code RCU_FAST_NO_HZ}, no callback offloading.
 * </ul>
 *
 * <p><b>Misuse</b> is reported, before any state changes: {@code synchronize_rcu} or
 * {@code rcu_barrier} in a read-side section or in any other atomic context
 * ({@link SuspiciousRcuUsage}, {@code AtomicSleepBug}), blocking inside a section
 * ({@code might_sleep}'s {@code AtomicSleepBug}), an unbalanced {@code rcu_read_unlock}, a head
 * queued twice, a null head or callback.
 *
 * <p>The grace-period machinery starts on the first update-side call, so a user of the read side
 * only (the page store) pays nothing for it. A kernel has one RCU: starting the machinery of a
 * second instance on the same kernel is refused.
 */
public final class Rcu {
    /** Rounds of "wait a grace period, tick the CPUs" {@link #rcuBarrier} allows before it reports. */
    private static final int BARRIER_ROUNDS = 8;
    /** Kernels whose RCU machinery runs (weakly held: a kernel that is gone leaves the set). */
    private static final Set<Kernel> RUNNING = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private static final VarHandle BARRIER_CPU_COUNT;

    static {
        try {
            BARRIER_CPU_COUNT = MethodHandles.lookup().findVarHandle(Rcu.class, "barrierCpuCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final int[] nesting;
    private final RcuNode node;
    private final RcuData[] rda;
    private volatile boolean started;
    /** {@code rsp->barrier_cpu_count}. */
    @SuppressWarnings("unused") private int barrierCpuCount;

    /** The correct RCU of {@code kernel}. */
    public Rcu(Kernel kernel) {
        this(kernel, EnumSet.noneOf(RcuBug.class));
    }

    /** RCU of {@code kernel} with seeded bugs switched on (for the checks only). */
    public Rcu(Kernel kernel, Set<RcuBug> bugs) {
        if (kernel == null || bugs == null) {
            throw new IllegalArgumentException("Rcu needs a kernel and a (possibly empty) set of bugs");
        }
        if (bugs.contains(RcuBug.PLAIN_PUBLISH)) {
            throw new IllegalArgumentException("PLAIN_PUBLISH is a bug of a pointer: use RcuPointer.seeded");
        }
        this.kernel = kernel;
        this.nesting = new int[kernel.nrCpus()];
        this.node = new RcuNode(kernel, bugs.contains(RcuBug.CALLBACK_JOINS_CURRENT_GP));
        this.rda = new RcuData[kernel.nrCpus()];
        for (int cpu = 0; cpu < rda.length; cpu++) {
            rda[cpu] = new RcuData(cpu, bugs.contains(RcuBug.DONE_SEGMENT_NOT_SPLICED));
        }
    }

    /** The kernel this RCU belongs to. */
    public Kernel kernel() {
        return kernel;
    }

    // ---- read side -----------------------------------------------------------------------------

    /** {@code rcu_read_lock()}. */
    public void readLock() {
        kernel.preemptDisable();
        nesting[kernel.smpProcessorId()]++;
    }

    /** {@code rcu_read_unlock()}. */
    public void readUnlock() {
        Cpu cpu = kernel.thisCpu();
        KernelBug.bugOn(nesting[cpu.id()] == 0, () -> "rcu_read_unlock() outside a read-side section on " + cpu.describe());
        nesting[cpu.id()]--;
        kernel.preemptEnable();
    }

    /** {@code rcu_read_lock_held()}: the current CPU is inside a read-side section. */
    public boolean readLockHeld() {
        return nesting[kernel.smpProcessorId()] > 0;
    }

    // ---- update side ---------------------------------------------------------------------------

    /**
     * {@code synchronize_rcu()}: returns after a full grace period, so every read-side section that
     * was running when it was called has ended. Sleeps (uninterruptibly) meanwhile; the sleep is
     * bounded by the hung-task timeout, whose report names the grace period it waited for. On a
     * one-CPU machine the call itself is the grace period ({@code rcu_blocking_is_gp}).
     */
    public void synchronizeRcu() {
        if (readLockHeld()) {
            throw new SuspiciousRcuUsage("Illegal synchronize_rcu() in RCU read-side critical section on CPU"
                    + kernel.smpProcessorId() + " (it would wait for itself)");
        }
        kernel.mightSleep("synchronize_rcu()");
        if (kernel.nrCpus() <= 1) {
            return;
        }
        ensureStarted();
        waitForGracePeriod(kernel.current(), "synchronize_rcu()");
    }

    /**
     * {@code call_rcu(head, func)}: {@code func(head)} runs once, in {@code RCU_SOFTIRQ} on this CPU,
     * after a grace period that began after this call. Any context may call it; it never sleeps.
     */
    public void callRcu(RcuHead head, Consumer<RcuHead> func) {
        if (head == null || func == null) {
            throw new IllegalArgumentException("call_rcu needs a head and a callback");
        }
        if (head.queued) {
            throw new KernelBug("__call_rcu(): Leaked duplicate callback: this rcu_head is already queued");
        }
        ensureStarted();
        boolean flags = kernel.localIrqSave();
        head.func = func;
        head.queued = true;
        rda[kernel.smpProcessorId()].enqueue(head);
        kernel.raiseSoftirqIrqoff(Softirq.RCU);
        kernel.localIrqRestore(flags);
    }

    /**
     * {@code rcu_barrier()}: returns after every callback queued (on any CPU) before the call has
     * been invoked. Queues a barrier callback behind the others on each CPU that has callbacks
     * ({@code smp_call_function_single} + {@code rcu_barrier_func}), then waits grace periods and
     * ticks those CPUs until every barrier callback ran. To tick a CPU the caller migrates to it, so
     * it must be free to migrate; it ends on the CPU it started on.
     */
    public void rcuBarrier() {
        kernel.mightSleep("rcu_barrier()");
        ensureStarted();
        Task me = kernel.current();
        int home = kernel.smpProcessorId();
        BARRIER_CPU_COUNT.setVolatile(this, 1);
        boolean failed = true;
        try {
            for (RcuData rdp : rda) {
                if (rdp.qlen() > 0) {
                    kernel.migrate(rdp.cpu);
                    kernel.hardirq("IPI rcu_barrier_func", this::rcuBarrierFunc);
                }
            }
            BARRIER_CPU_COUNT.getAndAdd(this, -1);
            for (int round = 0; (int) BARRIER_CPU_COUNT.getVolatile(this) != 0; round++) {
                if (round == BARRIER_ROUNDS) {
                    throw new KernelBug("rcu_barrier() still waits for " + BARRIER_CPU_COUNT.getVolatile(this)
                            + " CPUs after " + BARRIER_ROUNDS + " grace periods: " + describe());
                }
                waitForGracePeriod(me, "rcu_barrier()");
                for (RcuData rdp : rda) {
                    if (rdp.qlen() > 0) {
                        kernel.migrate(rdp.cpu);
                        schedulingClockTick();
                    }
                }
            }
            failed = false;
        } finally {
            // After a failure (a callback's oops) the CPU state is the report's; leave it as it is.
            if (!failed) {
                kernel.migrate(home);
            }
        }
    }

    /** {@code rcu_barrier_func()}: queues this CPU's barrier callback behind its others. */
    private void rcuBarrierFunc() {
        BARRIER_CPU_COUNT.getAndAdd(this, 1);
        callRcu(rda[kernel.smpProcessorId()].barrierHead, head -> BARRIER_CPU_COUNT.getAndAdd(this, -1));
    }

    /**
     * One scheduling-clock interrupt on the current CPU, whose RCU part is
     * {@link #rcuCheckCallbacks}: RCU work pending here runs in {@code RCU_SOFTIRQ} at its exit.
     */
    public void schedulingClockTick() {
        kernel.hardirq("timer", this::rcuCheckCallbacks);
    }

    /**
     * {@code rcu_check_callbacks()}, called from the scheduling-clock interrupt: raises
     * {@code RCU_SOFTIRQ} if this CPU has RCU work ({@code rcu_pending()}). The tick interrupted
     * kernel code, which is not a quiescent state for {@code rcu_sched}.
     */
    public void rcuCheckCallbacks() {
        Cpu cpu = kernel.thisCpu();
        if (!cpu.inIrq()) {
            throw new IllegalStateException("rcu_check_callbacks() runs in the scheduling-clock interrupt, not in "
                    + cpu.context() + " context");
        }
        if (started && rda[cpu.id()].pending(node)) {
            kernel.raiseSoftirqIrqoff(Softirq.RCU);
        }
    }

    /** {@code rcu_process_callbacks()}: the {@code RCU_SOFTIRQ} handler of this CPU. */
    private void rcuProcessCallbacks(Kernel k) {
        RcuData rdp = rda[k.smpProcessorId()];
        node.lock();
        try {
            rdp.noteGpChanges(node);
        } finally {
            node.unlock();
        }
        if (rdp.hasCallbacksReadyToInvoke()) {
            rdp.doBatch(k);
        }
    }

    /** Sleeps until a grace period that starts after this call has ended. */
    private void waitForGracePeriod(Task me, String what) {
        long c = node.addWaiter(me);
        me.setBlockedOn(what + ": grace period " + c + " (" + node.describe() + ")");
        try {
            while (true) {
                kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
                if (node.completed() >= c) {
                    break;
                }
                kernel.schedule();
            }
        } finally {
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
            me.setBlockedOn("");
            node.removeWaiter(me);
        }
    }

    /**
     * A context switch or idle entry on {@code cpu}: {@code rcu_note_context_switch()}. It runs
     * after the CPU was released, when another task may already use it, so it touches nothing of
     * the CPU's own state. (A task that returns with a section still open is runOn's BUG report;
     * like the kernel after an oops, the model does not repair that CPU's nesting count.)
     */
    private void noteContextSwitch(int cpu) {
        node.reportQs(cpu);
    }

    /** Starts the grace-period machinery on first use: the context-switch hook and RCU_SOFTIRQ. */
    private void ensureStarted() {
        if (!started) {
            start();
        }
    }

    private synchronized void start() {
        if (started) {
            return;
        }
        if (!RUNNING.add(kernel)) {
            throw new IllegalStateException("this kernel already runs another RCU instance's grace periods;"
                    + " a kernel has one RCU");
        }
        kernel.addQuiescentStateListener(this::noteContextSwitch);
        kernel.openSoftirq(Softirq.RCU, this::rcuProcessCallbacks);
        started = true;
    }

    // ---- introspection (rcutree trace files) -----------------------------------------------------

    /** {@code rcu_batches_completed()}: how many grace periods have ended. */
    public long completed() {
        return node.completed();
    }

    /** How many grace periods have started. */
    public long gpnum() {
        return node.gpnum();
    }

    /** {@code rdp->qlen} of {@code cpu}: its callbacks not yet invoked. */
    public long qlen(int cpu) {
        return rda[kernel.cpu(cpu).id()].qlen();
    }

    /** The grace-period state and every CPU's callback segments, for reports. */
    public String describe() {
        StringBuilder sb = new StringBuilder("rcu_sched: ").append(node.describe());
        for (RcuData rdp : rda) {
            sb.append("; ").append(rdp.describe());
        }
        return sb.toString();
    }
}
