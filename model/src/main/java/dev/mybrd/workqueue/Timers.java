package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The timer wheel of {@code kernel/time/timer.c} (v4.4) reduced to what delayed work needs, over a
 * clock the caller drives: {@code jiffies} moves only when a task calls {@link #tick}, so a check
 * decides exactly when a delayed work item's timer fires and every run is the same.
 *
 * <p><b>Bases.</b> Each CPU has a base ({@code struct tvec_base}) with a lock, its pending timers and
 * the timer whose function is running. A timer is on at most one base, named by the CPU bits of its
 * {@code flags}; {@code add_timer} puts it on the current CPU's base and {@code add_timer_on} on a
 * given CPU's. Moving a timer to another base sets {@code TimerList.TIMER_MIGRATING} while neither lock is
 * held, and {@code lock_timer_base} waits until the move is over, then locks the base the flags name
 * and re-reads them, so a timer is always manipulated under the lock of the base it is on. (The wheel's
 * buckets are one list here: the order of expiry among timers that are due is the order they were
 * added, as within a kernel bucket.)
 *
 * <p><b>Expiry.</b> {@link #tick} is the local timer interrupt of the current CPU: in hardirq context
 * it advances {@code jiffies} ({@code do_timer}) and raises {@code TIMER_SOFTIRQ}; at
 * {@code irq_exit} the softirq runs {@code __run_timers} for this CPU's base, which calls every due
 * timer's function in softirq context, with interrupts off for a {@code TIMER_IRQSAFE} timer. Timers
 * of another CPU fire when a task on that CPU ticks.
 *
 * <p>One instance per {@link Kernel}: it claims the kernel's {@code TIMER_SOFTIRQ} vector.
 */
public final class Timers {
    private static final long SPIN_BOUND_NANOS = 10_000_000_000L;
    private static final VarHandle JIFFIES;

    static {
        try {
            JIFFIES = MethodHandles.lookup().findVarHandle(Timers.class, "jiffies", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code struct tvec_base}: one CPU's pending timers. */
    private static final class Base {
        final int cpu;
        final SpinLock lock;
        final List<TimerList> timers = new ArrayList<>();
        TimerList runningTimer;

        Base(Kernel kernel, int cpu) {
            this.cpu = cpu;
            this.lock = new SpinLock(kernel, "tvec_base" + cpu + ".lock");
        }
    }

    private final Kernel kernel;
    private final Base[] bases;
    @SuppressWarnings("unused") private volatile long jiffies;

    /** {@code init_timers()}: one base per CPU, {@code open_softirq(TIMER_SOFTIRQ, run_timer_softirq)}. */
    public Timers(Kernel kernel) {
        this.kernel = kernel;
        this.bases = new Base[kernel.nrCpus()];
        for (int i = 0; i < bases.length; i++) {
            bases[i] = new Base(kernel, i);
        }
        kernel.openSoftirq(Softirq.TIMER, k -> runTimerSoftirq());
    }

    /**
     * The timer subsystem of {@code kernel}, created on first use; every user that does not build
     * its own shares it (the workqueues, the block layer's request timeout, mybrd's timer mode).
     */
    public static Timers of(Kernel kernel) {
        return kernel.subsystem(Timers.class, Timers::new);
    }

    /** {@code jiffies} (READ_ONCE). */
    public long jiffies() {
        return (long) JIFFIES.getOpaque(this);
    }

    /**
     * The local timer interrupt on the current CPU after {@code ticks} ticks: advances
     * {@code jiffies} and runs this CPU's due timers in the timer softirq. {@code tick(0)} only runs
     * the due timers. Must be called from a task with interrupts enabled.
     */
    public void tick(long ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("jiffies only move forward, got " + ticks + " ticks");
        }
        kernel.hardirq("timer", () -> {
            JIFFIES.getAndAdd(this, ticks);
            kernel.raiseSoftirqIrqoff(Softirq.TIMER);
        });
    }

    /** {@code timer_pending(timer)}: on some base (a racy snapshot, as in the kernel). */
    public boolean timerPending(TimerList timer) {
        return timer.pending();
    }

    /** {@code add_timer(timer)}: arms a timer that is not pending on the current CPU's base. */
    public void addTimer(TimerList timer) {
        KernelBug.bugOn(timerPending(timer), () -> "add_timer of pending timer " + timer);
        modTimer(timer, timer.expires, kernel.smpProcessorId());
    }

    /** {@code add_timer_on(timer, cpu)}: arms a timer that is not pending on {@code cpu}'s base. */
    public void addTimerOn(TimerList timer, int cpu) {
        kernel.cpu(cpu);
        KernelBug.bugOn(timerPending(timer), () -> "add_timer_on of pending timer " + timer);
        modTimer(timer, timer.expires, cpu);
    }

    /**
     * {@code mod_timer(timer, expires)}: (re)arms the timer to fire at {@code expires} on the
     * current CPU's base; true if it was pending before.
     */
    public boolean modTimer(TimerList timer, long expires) {
        boolean was = timerPending(timer);
        modTimer(timer, expires, kernel.smpProcessorId());
        return was;
    }

    /** {@code del_timer(timer)}: disarms it; true if it was pending. Does not wait for a running function. */
    public boolean delTimer(TimerList timer) {
        if (!timerPending(timer)) {
            return false;
        }
        LockedBase lb = lockTimerBase(timer);
        boolean ret = detachIfPending(timer, lb.base);
        lb.base.lock.unlockIrqrestore(lb.flags);
        return ret;
    }

    private record LockedBase(Base base, boolean flags) {
    }

    /**
     * {@code __mod_timer} with a target CPU: detach from the current base, move to the target base
     * (unless the timer's function is running there), set {@code expires}, add.
     */
    private void modTimer(TimerList timer, long expires, int cpu) {
        LockedBase lb = lockTimerBase(timer);
        Base base = lb.base;
        detachIfPending(timer, base);
        Base target = bases[cpu];
        if (base != target && base.runningTimer != timer) {
            timer.setFlags(timer.flags() | TimerList.TIMER_MIGRATING);
            base.lock.unlock();
            base = target;
            base.lock.lock();
            timer.setFlags((timer.flags() & ~TimerList.TIMER_BASEMASK) | cpu);
        }
        timer.expires = expires;
        base.timers.add(timer);
        timer.setPending(true);
        base.lock.unlockIrqrestore(lb.flags);
    }

    /** {@code lock_timer_base}: locks the base the timer is on, waiting out a migration (bounded). */
    private LockedBase lockTimerBase(TimerList timer) {
        long deadline = 0;
        for (int spins = 0; ; spins++) {
            int tf = timer.flags();
            if ((tf & TimerList.TIMER_MIGRATING) == 0) {
                Base base = bases[tf & TimerList.TIMER_CPUMASK];
                boolean flags = base.lock.lockIrqsave();
                if (timer.flags() == tf) {
                    return new LockedBase(base, flags);
                }
                base.lock.unlockIrqrestore(flags);
            }
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + SPIN_BOUND_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("lockup: lock_timer_base(" + timer + ") waited "
                            + SPIN_BOUND_NANOS / 1_000_000 + " ms for a migration to end");
                }
            }
            Thread.onSpinWait();
        }
    }

    /** {@code detach_if_pending}: under the base's lock. */
    private static boolean detachIfPending(TimerList timer, Base base) {
        if (!timer.pending()) {
            return false;
        }
        base.timers.remove(timer);
        timer.setPending(false);
        return true;
    }

    /** {@code run_timer_softirq} → {@code __run_timers} for this CPU's base. */
    private void runTimerSoftirq() {
        Base base = bases[kernel.smpProcessorId()];
        base.lock.lockIrq();
        while (true) {
            TimerList due = firstDue(base);
            if (due == null) {
                break;
            }
            base.runningTimer = due;
            detachIfPending(due, base);
            if ((due.flags() & TimerList.TIMER_IRQSAFE) != 0) {
                base.lock.unlock();
                callTimerFn(due);
                base.lock.lock();
            } else {
                // spin_unlock_irq, spelled out: the lock may have been retaken with IRQs off.
                base.lock.unlock();
                kernel.localIrqEnable();
                callTimerFn(due);
                base.lock.lockIrq();
            }
        }
        base.runningTimer = null;
        // spin_unlock_irq, spelled out: the lock may have been retaken with IRQs already off.
        base.lock.unlock();
        kernel.localIrqEnable();
    }

    private TimerList firstDue(Base base) {
        long now = jiffies();
        for (TimerList t : base.timers) {
            if (now - t.expires >= 0) {
                return t;
            }
        }
        return null;
    }

    /** {@code call_timer_fn}: a function must leave preemption as it found it. */
    private void callTimerFn(TimerList timer) {
        int count = kernel.thisCpu().preemptCount();
        timer.function.run();
        KernelBug.bugOn(kernel.thisCpu().preemptCount() != count, () -> "timer " + timer
                + ": preempt leak: " + Integer.toHexString(count) + " -> "
                + Integer.toHexString(kernel.thisCpu().preemptCount()));
    }
}
