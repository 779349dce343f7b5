package dev.mybrd.workqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct timer_list} ({@code include/linux/timer.h}, v4.4): a function to call in the timer
 * softirq once {@code jiffies} reaches {@code expires}. {@code flags} holds the CPU of the base the
 * timer is on ({@code TIMER_CPUMASK}), {@code TIMER_MIGRATING} while it moves between bases, and
 * {@code TIMER_IRQSAFE} for a function that must run with interrupts off (a delayed work's timer).
 * {@code expires} and the pending state are written under the base's lock; {@code timer_pending} and
 * {@code lock_timer_base} read them without it, with READ_ONCE.
 */
public final class TimerList {
    static final int TIMER_CPUMASK = 0x0007FFFF;
    static final int TIMER_MIGRATING = 0x00080000;
    static final int TIMER_BASEMASK = TIMER_CPUMASK | TIMER_MIGRATING;
    /** Run the function with interrupts disabled. */
    public static final int TIMER_IRQSAFE = 0x00200000;

    private static final VarHandle FLAGS;
    private static final VarHandle PENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(TimerList.class, "flags", int.class);
            PENDING = l.findVarHandle(TimerList.class, "pending", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    final Runnable function;
    @SuppressWarnings("unused") private int flags;
    /** {@code timer->expires}, in jiffies. */
    long expires;
    /** {@code timer->entry.pprev != NULL}: on a base's list. */
    @SuppressWarnings("unused") private boolean pending;

    /** {@code setup_timer(timer, fn, data)} with {@code flags} (0 or {@link #TIMER_IRQSAFE}). */
    public TimerList(String name, Runnable function, int flags) {
        if (name == null || function == null) {
            throw new IllegalArgumentException("setup_timer needs a name and a function");
        }
        if ((flags & ~TIMER_IRQSAFE) != 0) {
            throw new IllegalArgumentException("timer flags other than TIMER_IRQSAFE are not modelled: 0x"
                    + Integer.toHexString(flags));
        }
        this.name = name;
        this.function = function;
        FLAGS.setOpaque(this, flags);
    }

    int flags() {
        return (int) FLAGS.getOpaque(this);
    }

    void setFlags(int f) {
        FLAGS.setOpaque(this, f);
    }

    boolean pending() {
        return (boolean) PENDING.getOpaque(this);
    }

    void setPending(boolean p) {
        PENDING.setOpaque(this, p);
    }

    /** {@code timer->expires}. */
    public long expires() {
        return expires;
    }

    @Override
    public String toString() {
        return name;
    }
}
