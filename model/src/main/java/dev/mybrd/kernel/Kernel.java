package dev.mybrd.kernel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * The simulated machine: a fixed set of CPUs, the binding of Java threads to them, and the
 * per-CPU primitives that decide which context code runs in.
 *
 * <p><b>Tasks and CPUs.</b> A Java thread does kernel work only inside {@link #runOn}, which makes it
 * a {@link Task} and gives it exclusive ownership of one CPU. The model is a
 * {@code CONFIG_PREEMPT_VOLUNTARY} kernel: a task leaves its CPU only at an explicit scheduling
 * point ({@link #schedule}, {@link #migrate}, or the end of {@code runOn}), and a scheduling point in
 * atomic context is a bug. Two tasks that want the same CPU take turns; the wait is bounded and a
 * timeout names both tasks.
 *
 * <p><b>Contexts.</b> {@code preempt_count} carries the context exactly as in v4.4: softirqs run
 * with {@code SOFTIRQ_OFFSET} added, hardirqs with {@code HARDIRQ_OFFSET}. An interrupt is delivered
 * on the current CPU by the task that owns it ({@link #hardirq}); softirqs raised on a CPU run at the
 * points where the kernel runs them: {@code irq_exit} and {@code local_bh_enable}.
 *
 * <p><b>Sleeping.</b> Every call that may sleep first calls {@link #mightSleep}, which throws
 * {@link AtomicSleepBug} in atomic context (property P25).
 */
public final class Kernel {
    /** Default number of CPUs, as in the tutorial's qemu machine with {@code -smp 4}. */
    public static final int DEFAULT_NR_CPUS = 4;
    private static final long DEFAULT_CPU_WAIT_NANOS = 10_000_000_000L;
    /** How long a sleep may last before the model reports a hung task (khungtaskd's role). */
    private static final long DEFAULT_HUNG_TASK_NANOS = 30_000_000_000L;
    /** {@code MAX_SOFTIRQ_RESTART} of {@code kernel/softirq.c}. */
    private static final int MAX_SOFTIRQ_RESTART = 10;

    private final Cpu[] cpus;
    private final ThreadLocal<Task> current = new ThreadLocal<>();
    private final Consumer<?>[] softirqVec = new Consumer<?>[Softirq.values().length];
    private final long cpuWaitNanos;
    private volatile long hungTaskNanos = DEFAULT_HUNG_TASK_NANOS;
    private final Printk printk = new Printk();
    private final List<IntConsumer> quiescentStateListeners = new CopyOnWriteArrayList<>();
    private final List<Throwable> oopses = new CopyOnWriteArrayList<>();
    private final List<Consumer<AtomicSleepBug>> atomicSleepListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Task>> schedSubmitWork = new CopyOnWriteArrayList<>();
    private final Map<Class<?>, Object> subsystems = new HashMap<>();
    /** Per CPU {@code call_single_queue}: functions other CPUs asked this CPU to run in an IPI. */
    private final ConcurrentLinkedQueue<CallSingleData>[] callSingleQueue;
    /** IPIs queued and not yet taken, for {@link #ipisPending}. */
    private final AtomicInteger ipisQueued = new AtomicInteger();

    /** {@code struct call_single_data}: a function queued for another CPU's IPI handler. */
    private record CallSingleData(String name, Runnable func) {
    }

    /** A machine with {@link #DEFAULT_NR_CPUS} CPUs. */
    public Kernel() {
        this(DEFAULT_NR_CPUS);
    }

    /** A machine with {@code nrCpus} CPUs (1 to 64). */
    public Kernel(int nrCpus) {
        this(nrCpus, DEFAULT_CPU_WAIT_NANOS);
    }

    /** A machine whose tasks give up waiting for a busy CPU after {@code cpuWaitNanos}. */
    public Kernel(int nrCpus, long cpuWaitNanos) {
        if (nrCpus < 1 || nrCpus > 64) {
            throw new IllegalArgumentException("nr_cpus must be in 1..64, got " + nrCpus);
        }
        if (cpuWaitNanos <= 0) {
            throw new IllegalArgumentException("cpu wait bound must be positive, got " + cpuWaitNanos);
        }
        this.cpus = new Cpu[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            cpus[i] = new Cpu(i);
        }
        this.cpuWaitNanos = cpuWaitNanos;
        @SuppressWarnings("unchecked")
        ConcurrentLinkedQueue<CallSingleData>[] queues = new ConcurrentLinkedQueue[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            queues[i] = new ConcurrentLinkedQueue<>();
        }
        this.callSingleQueue = queues;
    }

    /** {@code printk()}: appends a line to the kernel log. */
    public void printk(String line) {
        printk.log(line);
    }

    /** The kernel log ({@code dmesg}). */
    public List<String> dmesg() {
        return printk.lines();
    }

    /** {@code nr_cpu_ids}. */
    public int nrCpus() {
        return cpus.length;
    }

    /** The CPU with the given id; {@code -EINVAL}-style error for a bad id. */
    public Cpu cpu(int id) {
        if (id < 0 || id >= cpus.length) {
            throw new IllegalArgumentException("no CPU" + id + ": this machine has CPUs 0.." + (cpus.length - 1));
        }
        return cpus[id];
    }

    /** All CPUs ({@code for_each_possible_cpu}). */
    public List<Cpu> cpus() {
        return List.of(cpus);
    }

    // ---- tasks ---------------------------------------------------------------------------------

    /**
     * Runs {@code body} as task {@code comm} on CPU {@code cpuId}: waits (bounded) until the CPU is
     * free, owns it for the duration, and leaves it in the state it found it. A body that leaves the
     * CPU atomic (a lock still held, preemption or interrupts still disabled) is a bug, reported
     * after the CPU state is reset so the machine stays usable.
     */
    public <T> T runOn(int cpuId, String comm, Callable<T> body) {
        if (current.get() != null) {
            throw new IllegalStateException("thread already runs task " + current.get()
                    + "; runOn does not nest");
        }
        Task task = new Task(comm, Thread.currentThread());
        claim(cpu(cpuId), task);
        current.set(task);
        boolean completed = false;
        try {
            T result = body.call();
            runKsoftirqd();
            completed = true;
            return result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            Cpu cpu = task.cpu();
            String leak = cpu.inAtomic() || cpu.irqsDisabled() ? cpu.describe() : null;
            if (leak != null) {
                cpu.addPreemptCount(-cpu.preemptCount());
                cpu.setIrqsDisabled(false);
            }
            current.remove();
            cpu.release(task);
            task.setCpu(null);
            noteQuiescentState(cpu);
            if (leak != null && completed) {
                throw new KernelBug("task " + comm + " returned to user space in atomic context: " + leak);
            }
        }
    }

    /** {@link #runOn(int, String, Callable)} for a body without a result. */
    public void runOn(int cpuId, String comm, Runnable body) {
        runOn(cpuId, comm, () -> {
            body.run();
            return null;
        });
    }

    /** {@code current}: the task this thread runs; fails outside {@link #runOn}. */
    public Task current() {
        Task t = current.get();
        if (t == null) {
            throw new IllegalStateException("no current task: kernel code must run inside Kernel.runOn");
        }
        return t;
    }

    /** Whether this thread runs a task ({@link #runOn}), i.e. whether {@link #current} may be called. */
    public boolean inTask() {
        return current.get() != null;
    }

    /** {@code this_cpu}: the CPU the current task runs on. */
    public Cpu thisCpu() {
        return current().cpu();
    }

    /** {@code smp_processor_id()}. */
    public int smpProcessorId() {
        return thisCpu().id();
    }

    /**
     * A migration point: the current task moves to CPU {@code cpuId} (the scheduler's choice in the
     * kernel, the caller's here). Legal only where the task could be preempted.
     */
    public void migrate(int cpuId) {
        Task task = current();
        Cpu target = cpu(cpuId);
        mightSleep("migrate to CPU" + cpuId);
        runKsoftirqd();
        if (target == task.cpu()) {
            return;
        }
        Cpu from = task.cpu();
        from.release(task);
        task.setCpu(null);
        noteQuiescentState(from);
        claim(target, task);
    }

    /**
     * {@code schedule()}. A task whose state is still {@code TASK_RUNNING} only lets another task use
     * the CPU. A task that set a sleeping state first gives up its CPU and sleeps until a wake-up
     * sets it running again (a signal also ends a {@code TASK_INTERRUPTIBLE} sleep), then resumes on
     * its CPU or, if that is busy, another free one, as the scheduler may place a woken task. The
     * sleep is bounded by the hung-task timeout: past it the model reports the task and what it
     * sleeps on instead of hanging.
     */
    public void schedule() {
        scheduleTimeout(Long.MAX_VALUE);
    }

    /**
     * {@code schedule_timeout(timeout)}: like {@link #schedule} but a sleep also ends after
     * {@code timeoutNanos}; returns the time left, 0 if it expired. (The kernel counts jiffies.)
     */
    public long scheduleTimeout(long timeoutNanos) {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("schedule_timeout: negative timeout " + timeoutNanos);
        }
        Task task = current();
        mightSleep("schedule()");
        schedSubmitWork(task);
        Cpu cpu = task.cpu();
        runKsoftirqd();
        cpu.release(task);
        task.setCpu(null);
        noteQuiescentState(cpu);
        long left = timeoutNanos;
        try {
            if (task.state() == Task.TASK_RUNNING) {
                Thread.yield();
            } else {
                left = sleep(task, timeoutNanos);
            }
        } finally {
            claimAny(cpu, task);
        }
        return left;
    }

    /**
     * {@code sched_submit_work(tsk)}: a task about to sleep first hands over work only it could
     * submit; the block layer flushes the task's plug here ({@code blk_schedule_flush_plug}).
     */
    private void schedSubmitWork(Task task) {
        if (task.state() == Task.TASK_RUNNING) {
            return;
        }
        for (Consumer<Task> hook : schedSubmitWork) {
            hook.accept(task);
        }
    }

    /**
     * Registers a step of {@code sched_submit_work}: called on the task's own thread, in process
     * context, when it calls {@link #schedule} with a sleeping state set. It must not sleep.
     */
    public void addSchedSubmitWork(Consumer<Task> hook) {
        schedSubmitWork.add(hook);
    }

    /** Parks until woken, signalled or timed out; returns the time left. */
    private long sleep(Task task, long timeoutNanos) {
        long start = System.nanoTime();
        long bound = Math.min(timeoutNanos, hungTaskNanos);
        while (true) {
            int state = task.state();
            if (state == Task.TASK_RUNNING
                    || (state == Task.TASK_INTERRUPTIBLE && task.signalPending())) {
                Task.STATE.setVolatile(task, Task.TASK_RUNNING);
                return Math.max(0, timeoutNanos - (System.nanoTime() - start));
            }
            long waited = System.nanoTime() - start;
            if (waited >= bound) {
                Task.STATE.setVolatile(task, Task.TASK_RUNNING);
                if (waited >= timeoutNanos) {
                    return 0;
                }
                HungTaskBug hung = new HungTaskBug("INFO: task " + task + " blocked for more than "
                        + hungTaskNanos / 1_000_000 + " ms" + (task.blockedOn().isEmpty() ? ""
                        : " waiting for " + task.blockedOn()));
                throw hung;
            }
            LockSupport.parkNanos(this, bound - waited);
        }
    }

    /** {@code set_current_state(state)}: {@code smp_store_mb}, a store followed by a full barrier. */
    public void setCurrentState(int state) {
        checkState(state);
        Task.STATE.setVolatile(current(), state);
        java.lang.invoke.VarHandle.fullFence();
    }

    /** {@code __set_current_state(state)}: a plain ({@code WRITE_ONCE}) store, no barrier. */
    public void setCurrentStateRelaxed(int state) {
        checkState(state);
        Task.STATE.setOpaque(current(), state);
    }

    private static void checkState(int state) {
        if (state != Task.TASK_RUNNING && state != Task.TASK_INTERRUPTIBLE && state != Task.TASK_UNINTERRUPTIBLE) {
            throw new IllegalArgumentException("not a task state: " + state);
        }
    }

    /**
     * {@code try_to_wake_up(p, state)}: if {@code p} sleeps in one of the {@code stateMask} states,
     * makes it runnable and unparks it; true if it did. The state change is a compare-and-set, fully
     * ordered, so what the waker wrote before is visible to the woken task.
     */
    public boolean tryToWakeUp(Task p, int stateMask) {
        while (true) {
            int state = p.state();
            if ((state & stateMask) == 0) {
                return false;
            }
            if (Task.STATE.compareAndSet(p, state, Task.TASK_RUNNING)) {
                LockSupport.unpark(p.thread());
                return true;
            }
        }
    }

    /** {@code wake_up_process(p)}. */
    public boolean wakeUpProcess(Task p) {
        return tryToWakeUp(p, Task.TASK_NORMAL);
    }

    /** {@code send_sig}: marks a signal pending and wakes an interruptible sleep. */
    public void sendSignal(Task p) {
        p.setSignalPending(true);
        tryToWakeUp(p, Task.TASK_INTERRUPTIBLE);
    }

    /** {@code signal_pending(current)}. */
    public boolean signalPending() {
        return current().signalPending();
    }

    /** Clears the current task's pending signal (delivery on the way back to user space). */
    public void flushSignals() {
        current().setSignalPending(false);
    }

    /** Sets the bound after which a sleeping task is reported hung. */
    public void setHungTaskTimeout(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("hung task timeout must be positive, got " + nanos);
        }
        hungTaskNanos = nanos;
    }

    /** The bound after which a sleeping task is reported hung, in nanoseconds. */
    public long hungTaskTimeout() {
        return hungTaskNanos;
    }

    // ---- kernel threads ------------------------------------------------------------------------

    /**
     * {@code kthread_run}: starts a daemon thread that runs {@code body} as task {@code comm} on CPU
     * {@code cpuId}. A failure in it is kept as an oops ({@link #oopses}) rather than lost.
     */
    public Thread kthreadRun(int cpuId, String comm, Runnable body) {
        cpu(cpuId);
        Thread t = new Thread(() -> {
            try {
                runOn(cpuId, comm, body);
            } catch (Throwable e) {
                oopses.add(e);
                printk("oops in " + comm + ": " + e);
            }
        }, comm);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Failures of kernel threads, oldest first. */
    public List<Throwable> oopses() {
        return List.copyOf(oopses);
    }

    // ---- quiescent states ----------------------------------------------------------------------

    /**
     * Registers a listener told the id of a CPU that passed a quiescent state: a context switch
     * ({@code rcu_note_context_switch}) or going idle. RCU drives its grace periods with it.
     */
    public void addQuiescentStateListener(IntConsumer listener) {
        quiescentStateListeners.add(listener);
    }

    private void noteQuiescentState(Cpu cpu) {
        for (IntConsumer l : quiescentStateListeners) {
            l.accept(cpu.id());
        }
    }

    /** Claims {@code preferred} or, while it is busy, any free CPU; bounded like {@link #claim}. */
    private void claimAny(Cpu preferred, Task task) {
        long deadline = 0;
        for (int spins = 0; ; spins++) {
            if (preferred.tryClaim(task)) {
                task.setCpu(preferred);
                return;
            }
            for (Cpu c : cpus) {
                if (c.tryClaim(task)) {
                    task.setCpu(c);
                    return;
                }
            }
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + cpuWaitNanos;
                } else if (now - deadline > 0) {
                    throw new IllegalStateException("task " + task + " waited " + cpuWaitNanos / 1_000_000
                            + " ms for any CPU; all are busy: " + this);
                }
                Thread.yield();
            }
            Thread.onSpinWait();
        }
    }

    private void claim(Cpu cpu, Task task) {
        long deadline = 0;
        for (int spins = 0; !cpu.tryClaim(task); spins++) {
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + cpuWaitNanos;
                } else if (now - deadline > 0) {
                    throw new IllegalStateException("task " + task + " waited " + cpuWaitNanos / 1_000_000
                            + " ms for " + cpu + ", which task " + cpu.owner() + " still holds");
                }
                Thread.yield();
            }
            Thread.onSpinWait();
        }
        task.setCpu(cpu);
    }

    // ---- might_sleep ---------------------------------------------------------------------------

    /**
     * {@code might_sleep()}: throws {@link AtomicSleepBug} if the current context may not sleep
     * (hardirq, softirq, preemption or interrupts disabled, which covers spinlocks and the RCU read
     * side of a non-preemptible kernel).
     */
    public void mightSleep(String what) {
        Cpu cpu = thisCpu();
        if (cpu.inAtomic() || cpu.irqsDisabled()) {
            AtomicSleepBug bug = new AtomicSleepBug("BUG: sleeping function called from invalid context: " + what
                    + " by task " + current() + " in " + cpu.context() + " context (in_atomic(): "
                    + (cpu.inAtomic() ? 1 : 0) + ", irqs_disabled(): " + (cpu.irqsDisabled() ? 1 : 0)
                    + ", " + cpu.describe() + ")"
                    + (current().heldLocks().isEmpty() ? "" : ", holding " + current().heldLocks()));
            for (Consumer<AtomicSleepBug> l : atomicSleepListeners) {
                l.accept(bug);
            }
            throw bug;
        }
    }

    /**
     * Registers a listener told of every {@code might_sleep()} report just before it is thrown, on the
     * reporting task's thread (lockdep-lite keeps it with its own reports). It must not throw.
     */
    public void addAtomicSleepListener(Consumer<AtomicSleepBug> listener) {
        atomicSleepListeners.add(listener);
    }

    // ---- preemption ----------------------------------------------------------------------------

    /** {@code preempt_disable()}. */
    public void preemptDisable() {
        thisCpu().addPreemptCount(Cpu.PREEMPT_OFFSET);
    }

    /** {@code preempt_enable()}; underflow is a bug. */
    public void preemptEnable() {
        Cpu cpu = thisCpu();
        if ((cpu.preemptCount() & Cpu.PREEMPT_MASK) == 0) {
            throw new KernelBug("kernel BUG: preempt_enable() without preempt_disable() on " + cpu.describe());
        }
        cpu.addPreemptCount(-Cpu.PREEMPT_OFFSET);
    }

    /** {@code get_cpu()}: disables preemption and returns this CPU's id. */
    public int getCpu() {
        preemptDisable();
        return smpProcessorId();
    }

    /** {@code put_cpu()}. */
    public void putCpu() {
        preemptEnable();
    }

    // ---- hardware interrupts -------------------------------------------------------------------

    /** {@code local_irq_disable()}. */
    public void localIrqDisable() {
        thisCpu().setIrqsDisabled(true);
    }

    /** {@code local_irq_enable()}; an interrupt held while IRQs were off is taken now. */
    public void localIrqEnable() {
        thisCpu().setIrqsDisabled(false);
        deliverPendingIrqs();
    }

    /** {@code local_irq_save(flags)}: returns the saved flags (true = IRQs were disabled). */
    public boolean localIrqSave() {
        Cpu cpu = thisCpu();
        boolean flags = cpu.irqsDisabled();
        cpu.setIrqsDisabled(true);
        return flags;
    }

    /** {@code local_irq_restore(flags)}; restoring IRQs on takes an interrupt held meanwhile. */
    public void localIrqRestore(boolean flags) {
        thisCpu().setIrqsDisabled(flags);
        if (!flags) {
            deliverPendingIrqs();
        }
    }

    /**
     * A device asserts an interrupt on the current CPU. With IRQs on it is delivered at once, as
     * {@link #hardirq}; with IRQs off the CPU holds it pending (the interrupt controller keeps the
     * line asserted) and takes it the moment its task turns IRQs back on: {@code local_irq_enable},
     * {@code local_irq_restore}, {@code spin_unlock_irq[restore]}. This is how a completion
     * interrupt lands inside {@code _raw_spin_unlock_irqrestore} in a kernel backtrace.
     */
    public void raiseIrq(String name, Runnable handler) {
        Cpu cpu = thisCpu();
        if (!cpu.irqsDisabled()) {
            hardirq(name, handler);
            return;
        }
        cpu.addPendingIrq(() -> hardirq(name, handler));
    }

    private void deliverPendingIrqs() {
        Cpu cpu = thisCpu();
        while (!cpu.irqsDisabled()) {
            Runnable irq = cpu.pollPendingIrq();
            if (irq == null) {
                return;
            }
            irq.run();
        }
    }

    /**
     * Delivers a hardware interrupt on the current CPU: {@code irq_enter()}, the handler with IRQs
     * off, {@code irq_exit()} (which runs pending softirqs). An interrupt cannot arrive while the CPU
     * has IRQs disabled; asking for one then is a misuse of the model.
     */
    public void hardirq(String name, Runnable handler) {
        Cpu cpu = thisCpu();
        if (cpu.irqsDisabled()) {
            throw new IllegalStateException("interrupt " + name + " cannot be delivered: IRQs are disabled on "
                    + cpu.describe());
        }
        cpu.setIrqsDisabled(true);
        cpu.addPreemptCount(Cpu.HARDIRQ_OFFSET);
        try {
            handler.run();
        } finally {
            cpu.addPreemptCount(-Cpu.HARDIRQ_OFFSET);
        }
        if (!cpu.inInterrupt() && cpu.softirqPending() != 0) {
            doSoftirq(cpu);
        }
        cpu.setIrqsDisabled(false);
    }

    // ---- per-machine subsystems --------------------------------------------------------------------

    /**
     * The machine's one instance of a subsystem that exists once per kernel (the timer wheel, the
     * block softirq's done lists), created with {@code init} on first use. Kept here rather than in a
     * static map so that it lives and dies with its machine.
     */
    public <T> T subsystem(Class<T> type, Function<Kernel, T> init) {
        synchronized (subsystems) {
            Object o = subsystems.get(type);
            if (o == null) {
                o = init.apply(this);
                subsystems.put(type, o);
            }
            return type.cast(o);
        }
    }

    // ---- inter-processor interrupts --------------------------------------------------------------

    /**
     * {@code smp_call_function_single_async(cpu, csd)}: {@code func} runs on CPU {@code cpu} in hardirq
     * context, with IRQs off. For another CPU it is queued on that CPU's {@code call_single_queue} and
     * the IPI is "sent": the CPU takes it the next time it can take interrupts at a point the model
     * delivers them ({@link #handlePendingIpis}, called at every scheduling point, including the end
     * of {@link #runOn}). For the current CPU, as {@code generic_exec_single} does, it runs at once
     * with IRQs saved and disabled.
     */
    public void smpCallFunctionSingleAsync(int cpuId, String name, Runnable func) {
        cpu(cpuId);
        if (cpuId == smpProcessorId()) {
            boolean flags = localIrqSave();
            try {
                func.run();
            } finally {
                localIrqRestore(flags);
            }
            return;
        }
        ipisQueued.incrementAndGet();
        callSingleQueue[cpuId].add(new CallSingleData(name, func));
        cpus[cpuId].orSoftirqPending(Cpu.IPI_PENDING); // the IPI itself: the target's pending mark
    }

    /**
     * The current CPU takes its pending IPIs ({@code generic_smp_call_function_single_interrupt}),
     * each as a hardware interrupt, whose exit runs the softirqs it raised. Nothing happens while the
     * CPU has IRQs disabled or serves an interrupt.
     */
    public void handlePendingIpis() {
        Cpu cpu = thisCpu();
        if (cpu.irqsDisabled() || cpu.inInterrupt() || (cpu.pendingWork() & Cpu.IPI_PENDING) == 0
                || !cpu.takeIpiPending()) {
            return;
        }
        CallSingleData csd;
        while ((csd = callSingleQueue[cpu.id()].poll()) != null) {
            ipisQueued.decrementAndGet();
            hardirq("IPI " + csd.name(), csd.func());
        }
    }

    /** Whether some CPU has an IPI it has not taken yet. */
    public boolean ipisPending() {
        return ipisQueued.get() != 0;
    }

    // ---- softirqs ------------------------------------------------------------------------------

    /** {@code open_softirq(nr, action)}: registers the handler of a vector. */
    public void openSoftirq(Softirq nr, Consumer<Kernel> action) {
        softirqVec[nr.ordinal()] = action;
    }

    /**
     * {@code raise_softirq(nr)}: marks the vector pending on this CPU. It runs at the next
     * {@code irq_exit()} or {@code local_bh_enable()}, or when ksoftirqd gets the CPU
     * ({@link #runKsoftirqd}, and at every scheduling point of a non-atomic task).
     */
    public void raiseSoftirq(Softirq nr) {
        boolean flags = localIrqSave();
        raiseSoftirqIrqoff(nr);
        localIrqRestore(flags);
    }

    /** {@code raise_softirq_irqoff(nr)}: caller has IRQs disabled. */
    public void raiseSoftirqIrqoff(Softirq nr) {
        Cpu cpu = thisCpu();
        KernelBug.bugOn(!cpu.irqsDisabled(), () -> "raise_softirq_irqoff with IRQs enabled on " + cpu.describe());
        cpu.orSoftirqPending(nr.bit());
    }

    /**
     * ksoftirqd's turn on this CPU: runs the pending softirqs in softirq context. Only at a point
     * where the task could be preempted, as ksoftirqd is a thread.
     */
    public void runKsoftirqd() {
        Cpu cpu = thisCpu();
        if (cpu.inAtomic() || cpu.irqsDisabled() || cpu.pendingWork() == 0) {
            return;
        }
        handlePendingIpis();
        if (cpu.softirqPending() == 0) {
            return;
        }
        cpu.setIrqsDisabled(true);
        doSoftirq(cpu);
        cpu.setIrqsDisabled(false);
    }

    /** {@code local_bh_disable()}. */
    public void localBhDisable() {
        thisCpu().addPreemptCount(Cpu.SOFTIRQ_DISABLE_OFFSET);
    }

    /** {@code local_bh_enable()}: runs pending softirqs when leaving the last BH-disabled section. */
    public void localBhEnable() {
        Cpu cpu = thisCpu();
        KernelBug.bugOn(cpu.inIrq() || cpu.irqsDisabled(),
                () -> "local_bh_enable() in hardirq context or with IRQs disabled: " + cpu.describe());
        KernelBug.bugOn((cpu.preemptCount() & Cpu.SOFTIRQ_MASK) < Cpu.SOFTIRQ_DISABLE_OFFSET,
                () -> "local_bh_enable() without local_bh_disable(): " + cpu.describe());
        cpu.addPreemptCount(-(Cpu.SOFTIRQ_DISABLE_OFFSET - 1));
        if (!cpu.inInterrupt() && cpu.softirqPending() != 0) {
            boolean flags = localIrqSave();
            doSoftirq(cpu);
            localIrqRestore(flags);
        }
        cpu.addPreemptCount(-1);
    }

    /** {@code __do_softirq()}: entered with IRQs disabled; handlers run with IRQs enabled. */
    @SuppressWarnings("unchecked")
    private void doSoftirq(Cpu cpu) {
        cpu.addPreemptCount(Cpu.SOFTIRQ_OFFSET);
        try {
            for (int restart = 0; restart < MAX_SOFTIRQ_RESTART; restart++) {
                int pending = cpu.takeSoftirqPending();
                if (pending == 0) {
                    return;
                }
                cpu.setIrqsDisabled(false);
                for (Softirq nr : Softirq.values()) {
                    Consumer<?> action = softirqVec[nr.ordinal()];
                    if ((pending & nr.bit()) != 0 && action != null) {
                        ((Consumer<Kernel>) action).accept(this);
                    }
                }
                cpu.setIrqsDisabled(true);
            }
        } finally {
            cpu.setIrqsDisabled(true);
            cpu.addPreemptCount(-Cpu.SOFTIRQ_OFFSET);
        }
    }

    /** Ids of the CPUs, for messages. */
    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (Cpu c : cpus) {
            names.add(c.describe());
        }
        return "Kernel" + names;
    }
}
