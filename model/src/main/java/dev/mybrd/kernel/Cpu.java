package dev.mybrd.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One simulated CPU and its private state.
 *
 * <p>The state mirrors what v4.4 keeps per CPU on x86: {@code __preempt_count} with the layout of
 * {@code include/linux/preempt.h} (bits 0-7 preemption depth, 8-15 softirq count, 16-19 hardirq
 * count), the interrupt flag ({@code local_irq_disable}/{@code local_irq_enable}), and the pending
 * softirq bits ({@code local_softirq_pending()}). Only the task that owns the CPU (see
 * {@link Kernel#runOn}) touches {@code preemptCount} and {@code irqsDisabled}, so they are plain
 * fields, as per-CPU data is plain in C; pending softirqs may be raised from another CPU (through an
 * IPI in the kernel), so that word is atomic.
 *
 * <p>The CPU is owned by at most one task at a time. The owner changes only at scheduling points,
 * never while the CPU is atomic, which is what makes per-CPU data safe with preemption disabled.
 */
public final class Cpu {
    /** {@code PREEMPT_OFFSET}: one level of preempt_disable(). */
    public static final int PREEMPT_OFFSET = 1;
    /** {@code SOFTIRQ_OFFSET}: added while a softirq is being served. */
    public static final int SOFTIRQ_OFFSET = 1 << 8;
    /** {@code SOFTIRQ_DISABLE_OFFSET}: added by local_bh_disable(). */
    public static final int SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;
    /** {@code HARDIRQ_OFFSET}: added by irq_enter(). */
    public static final int HARDIRQ_OFFSET = 1 << 16;
    static final int PREEMPT_MASK = 0xff;
    static final int SOFTIRQ_MASK = 0xff << 8;
    static final int HARDIRQ_MASK = 0xf << 16;
    /** A bit beside the softirq bits of the pending word: an IPI is queued for this CPU. */
    static final int IPI_PENDING = 1 << 30;

    private static final VarHandle OWNER;
    private static final VarHandle SOFTIRQ_PENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(Cpu.class, "owner", Task.class);
            SOFTIRQ_PENDING = l.findVarHandle(Cpu.class, "softirqPending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int id;
    private volatile Task owner;
    private int preemptCount;
    private boolean irqsDisabled;
    private volatile int softirqPending;
    /** Interrupts asserted while IRQs were off, oldest first; touched only by the CPU's owner. */
    private final java.util.ArrayDeque<Runnable> pendingIrqs = new java.util.ArrayDeque<>();

    Cpu(int id) {
        this.id = id;
    }

    /** {@code smp_processor_id()} of this CPU. */
    public int id() {
        return id;
    }

    /** The task running on this CPU, or null when idle. */
    public Task owner() {
        return owner;
    }

    boolean tryClaim(Task task) {
        return OWNER.compareAndSet(this, (Task) null, task);
    }

    void release(Task task) {
        if (!OWNER.compareAndSet(this, task, (Task) null)) {
            throw new IllegalStateException("CPU" + id + " is not owned by " + task);
        }
    }

    /** {@code preempt_count()}. */
    public int preemptCount() {
        return preemptCount;
    }

    void addPreemptCount(int delta) {
        int next = preemptCount + delta;
        if (next < 0 || (next & PREEMPT_MASK) == PREEMPT_MASK) {
            throw new KernelBug("preempt_count underflow/overflow on CPU" + id
                    + " (" + hex(preemptCount) + " + " + delta + ")");
        }
        preemptCount = next;
    }

    /** {@code irqs_disabled()}. */
    public boolean irqsDisabled() {
        return irqsDisabled;
    }

    void setIrqsDisabled(boolean disabled) {
        irqsDisabled = disabled;
    }

    /** Holds an interrupt until IRQs are enabled again ({@link Kernel#raiseIrq}). */
    void addPendingIrq(Runnable delivery) {
        pendingIrqs.addLast(delivery);
    }

    /** The oldest held interrupt, or null. */
    Runnable pollPendingIrq() {
        return pendingIrqs.pollFirst();
    }

    /** {@code in_irq()}: serving a hardware interrupt. */
    public boolean inIrq() {
        return (preemptCount & HARDIRQ_MASK) != 0;
    }

    /** {@code in_serving_softirq()}. */
    public boolean inServingSoftirq() {
        return (preemptCount & SOFTIRQ_OFFSET) != 0;
    }

    /** {@code in_softirq()}: serving a softirq or with bottom halves disabled. */
    public boolean inSoftirq() {
        return (preemptCount & SOFTIRQ_MASK) != 0;
    }

    /** {@code in_interrupt()}: hardirq, softirq served or bottom halves disabled. */
    public boolean inInterrupt() {
        return (preemptCount & (HARDIRQ_MASK | SOFTIRQ_MASK)) != 0;
    }

    /** {@code in_atomic()}: any non-zero preempt count. */
    public boolean inAtomic() {
        return preemptCount != 0;
    }

    /** The context being served on this CPU. */
    public Context context() {
        if (inIrq()) {
            return Context.HARDIRQ;
        }
        return inServingSoftirq() ? Context.SOFTIRQ : Context.PROCESS;
    }

    /** {@code local_softirq_pending()}. */
    public int softirqPending() {
        return softirqPending & ~IPI_PENDING;
    }

    /** The pending word with the IPI mark: non-zero if a softirq or an IPI waits. */
    int pendingWork() {
        return softirqPending;
    }

    void orSoftirqPending(int bits) {
        SOFTIRQ_PENDING.getAndBitwiseOr(this, bits);
    }

    /** Takes the pending softirq bits, leaving {@link #IPI_PENDING} in place. */
    int takeSoftirqPending() {
        return (int) SOFTIRQ_PENDING.getAndBitwiseAnd(this, IPI_PENDING) & ~IPI_PENDING;
    }

    /** Takes the IPI mark; true if it was set. */
    boolean takeIpiPending() {
        return ((int) SOFTIRQ_PENDING.getAndBitwiseAnd(this, ~IPI_PENDING) & IPI_PENDING) != 0;
    }

    /** The CPU state in the words of the kernel's might_sleep report. */
    public String describe() {
        return "CPU" + id + " context=" + context() + " preempt_count=" + hex(preemptCount)
                + " irqs_disabled=" + irqsDisabled;
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    @Override
    public String toString() {
        return "CPU" + id;
    }
}
