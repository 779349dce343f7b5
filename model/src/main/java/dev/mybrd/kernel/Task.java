package dev.mybrd.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A task ({@code struct task_struct}, reduced to what the block layer's waits need): its name, the
 * Java thread that runs it, the CPU it is on, its run state, a pending-signal flag, and the locks it
 * holds (for lockdep-style reports). A Java thread becomes a task for the duration of
 * {@link Kernel#runOn}; {@code current} is that task.
 *
 * <p>{@code state} is written by the task itself ({@code set_current_state}) and by wakers
 * ({@code try_to_wake_up}), so it is accessed through a VarHandle with the kernel's orderings.
 */
public final class Task {
    /** {@code TASK_RUNNING}. */
    public static final int TASK_RUNNING = 0;
    /** {@code TASK_INTERRUPTIBLE}: a sleep a signal ends. */
    public static final int TASK_INTERRUPTIBLE = 1;
    /** {@code TASK_UNINTERRUPTIBLE}: a sleep only a wake-up ends. */
    public static final int TASK_UNINTERRUPTIBLE = 2;
    /** {@code TASK_NORMAL}: either sleeping state. */
    public static final int TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

    static final VarHandle STATE;
    private static final VarHandle SIGPENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Task.class, "state", int.class);
            SIGPENDING = l.findVarHandle(Task.class, "sigpending", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String comm;
    private final Thread thread;
    private volatile Cpu cpu; // volatile: read by observers of the model (tests, reports), not a kernel ordering
    @SuppressWarnings("unused") private int state;
    @SuppressWarnings("unused") private boolean sigpending;
    private String blockedOn = "";
    private final Deque<Object> heldLocks = new ArrayDeque<>();
    private Object plug;
    private Object ioContext;

    Task(String comm, Thread thread) {
        this.comm = comm;
        this.thread = thread;
    }

    /** {@code current->comm}. */
    public String comm() {
        return comm;
    }

    /** The Java thread that runs this task. */
    public Thread thread() {
        return thread;
    }

    /** {@code task_cpu(current)}: the CPU the task runs on, or null while it sleeps. */
    public Cpu cpu() {
        return cpu;
    }

    void setCpu(Cpu cpu) {
        this.cpu = cpu;
    }

    /**
     * Whether the task is off its CPU inside {@code schedule()} with a sleeping state and nobody has
     * woken it since: a woken task is {@code TASK_RUNNING} again, and one that has set its state but
     * not yet called {@code schedule()} (between {@code prepare_to_wait} and its last retry) still
     * holds its CPU. What an observer outside the model should wait for before it acts on a sleeper.
     */
    public boolean sleeping() {
        return state() != TASK_RUNNING && cpu == null;
    }

    /** {@code p->state}, read with acquire as {@code try_to_wake_up} reads it. */
    public int state() {
        return (int) STATE.getAcquire(this);
    }

    /** {@code signal_pending(p)}. */
    public boolean signalPending() {
        return (boolean) SIGPENDING.getVolatile(this);
    }

    void setSignalPending(boolean pending) {
        SIGPENDING.setVolatile(this, pending);
    }

    /** What the task sleeps on, for hung-task reports ("" when not sleeping). */
    public String blockedOn() {
        return blockedOn;
    }

    /** Names what the task is about to sleep on, so a hung-task report can say it. */
    public void setBlockedOn(String what) {
        this.blockedOn = what == null ? "" : what;
    }

    /**
     * The locks the task holds, innermost first ({@code current->held_locks} of lockdep). Only the
     * task itself touches it.
     */
    public Deque<Object> heldLocks() {
        return heldLocks;
    }

    /** {@code current->plug}: the block layer's per-task plug, or null. Only the task touches it. */
    public Object plug() {
        return plug;
    }

    /** Sets {@code current->plug} ({@code blk_start_plug}, {@code blk_finish_plug}). */
    public void setPlug(Object plug) {
        this.plug = plug;
    }

    /**
     * {@code current->io_context}: the block layer's per-task I/O context, or null until its first
     * use ({@code create_io_context}). Only the task touches it.
     */
    public Object ioContext() {
        return ioContext;
    }

    /** Sets {@code current->io_context} ({@code create_task_io_context}). */
    public void setIoContext(Object ioc) {
        this.ioContext = ioc;
    }

    @Override
    public String toString() {
        return comm;
    }
}
