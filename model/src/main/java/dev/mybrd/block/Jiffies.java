package dev.mybrd.block;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code jiffies}: the tick counter the block statistics stamp their times with, as a model clock
 * that only moves when whoever drives the model says so ({@link #tick}, the timer interrupt's
 * {@code do_timer}). Checks therefore see the same times on every run.
 *
 * <p>In the kernel {@code jiffies} is a {@code volatile unsigned long} written by the CPU that
 * handles the tick and read anywhere without a lock; the model reads it with {@code getOpaque}
 * ({@code READ_ONCE}) and advances it with an atomic add, so two drivers of the clock never lose a
 * tick. It starts at 0 (the kernel starts at {@code INITIAL_JIFFIES}, five minutes before the wrap,
 * which the model has no need for). {@link #HZ} is 1000, so one jiffy is one millisecond and
 * {@link #toMsecs} is the identity.
 *
 * <p>It lives with the statistics, its only user so far.
 */
public final class Jiffies {
    /** Ticks per second. */
    public static final int HZ = 1000;

    private static final VarHandle JIFFIES;

    static {
        try {
            JIFFIES = MethodHandles.lookup().findVarHandle(Jiffies.class, "jiffies", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private volatile long jiffies;

    /** {@code jiffies}: the current tick count. */
    public long get() {
        return (long) JIFFIES.getOpaque(this);
    }

    /** One timer tick ({@code do_timer(1)}); returns the new count. */
    public long tick() {
        return advance(1);
    }

    /** {@code do_timer(ticks)}: {@code ticks} timer ticks at once; returns the new count. */
    public long advance(long ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("jiffies only move forward, got " + ticks + " ticks");
        }
        return (long) JIFFIES.getAndAdd(this, ticks) + ticks;
    }

    /** {@code jiffies_to_msecs(j)} with {@link #HZ} = 1000. */
    public static long toMsecs(long j) {
        return j * 1000 / HZ;
    }

    @Override
    public String toString() {
        return "jiffies=" + get();
    }
}
