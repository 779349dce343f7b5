package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The {@code wait_event} family of v4.4's {@code include/linux/wait.h}: sleep on a wait queue until
 * a condition holds.
 *
 * <p><b>Algorithm.</b> Every macro expands to {@code ___wait_event}: declare an entry, then loop
 * { {@code prepare_to_wait_event} (queue the entry, set the sleeping state, full barrier); test the
 * condition, leave if it holds; leave with {@code -ERESTARTSYS} if interruptible and a signal is
 * pending; sleep ({@code schedule()} or {@code schedule_timeout()}) }, then {@code finish_wait}. The
 * order is the whole point: <em>register, then test, then sleep</em>. A waker that makes the
 * condition true after the test finds the entry queued and wakes the task (or sets it running before
 * it sleeps, so {@code schedule()} returns at once); a wake-up that is spurious, or that another task
 * beat us to, only costs one more turn of the loop (invariant W5).
 *
 * <p>The condition is evaluated by the caller's code, as the macro evaluates its C expression; read
 * shared state in it with the ordering the kernel uses ({@code READ_ONCE} or under a lock).
 *
 * <p><b>Bounded.</b> A sleep that no wake-up ends is reported by the model's hung-task bound as a
 * {@link dev.mybrd.kernel.HungTaskBug} naming the wait queue; the entry is unlinked on that way out so
 * the queue stays consistent for the rest of the run.
 */
public final class Wait {
    /** {@code ERESTARTSYS} (512, {@code include/linux/errno.h}): kernel-internal, never seen by user space. */
    public static final int ERESTARTSYS = 512;

    private Wait() {
    }

    /** {@code wait_event(wq, condition)}: uninterruptible; returns when the condition holds. */
    public static void waitEvent(WaitQueueHead wq, BooleanSupplier condition) {
        Expansion e = plain(condition);
        if (fastPath(wq, "wait_event", e)) {
            return;
        }
        waitEventLoop(wq, Task.TASK_UNINTERRUPTIBLE, false, e, "wait_event");
    }

    /** {@code wait_event_interruptible(wq, condition)}: 0 once the condition holds, or {@code -ERESTARTSYS}. */
    public static int waitEventInterruptible(WaitQueueHead wq, BooleanSupplier condition) {
        Expansion e = plain(condition);
        if (fastPath(wq, "wait_event_interruptible", e)) {
            return 0;
        }
        return (int) waitEventLoop(wq, Task.TASK_INTERRUPTIBLE, false, e, "wait_event_interruptible");
    }

    /**
     * {@code wait_event_interruptible_exclusive(wq, condition)}: as {@link #waitEventInterruptible}
     * but queued as an exclusive waiter; a signal ends the wait through
     * {@code abort_exclusive_wait}, which passes on a wake-up this waiter was chosen for.
     */
    public static int waitEventInterruptibleExclusive(WaitQueueHead wq, BooleanSupplier condition) {
        Expansion e = plain(condition);
        if (fastPath(wq, "wait_event_interruptible_exclusive", e)) {
            return 0;
        }
        return (int) waitEventLoop(wq, Task.TASK_INTERRUPTIBLE, true, e, "wait_event_interruptible_exclusive");
    }

    /**
     * {@code wait_event_timeout(wq, condition, timeout)}, with v4.4's result: 0 if the timeout
     * elapsed and the condition is false; 1 if it elapsed and the condition is true; otherwise the
     * time left (at least 1) when the condition became true. The kernel counts jiffies, the model
     * nanoseconds.
     */
    public static long waitEventTimeout(WaitQueueHead wq, BooleanSupplier condition, long timeoutNanos) {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("wait_event_timeout: negative timeout " + timeoutNanos);
        }
        Objects.requireNonNull(condition, "condition");
        Expansion e = new Expansion(timeoutNanos) {
            /** {@code ___wait_cond_timeout(condition)}: a true condition after the timeout reports 1, not 0. */
            @Override
            boolean condition() {
                boolean cond = condition.getAsBoolean();
                if (cond && ret == 0) {
                    ret = 1;
                }
                return cond || ret == 0;
            }

            @Override
            void cmd(Kernel kernel) {
                ret = kernel.scheduleTimeout(ret);
            }
        };
        if (fastPath(wq, "wait_event_timeout", e)) {
            return e.ret;
        }
        return waitEventLoop(wq, Task.TASK_UNINTERRUPTIBLE, false, e, "wait_event_timeout");
    }

    /** {@code might_sleep(); if (condition) return;} at the top of every macro. */
    private static boolean fastPath(WaitQueueHead wq, String what, Expansion e) {
        Objects.requireNonNull(wq, "wait queue");
        wq.kernel().mightSleep(what + " on " + wq.name());
        return e.condition();
    }

    /**
     * {@code ___wait_event(wq, condition, state, exclusive, ret, cmd)}: the loop of the class comment.
     * Returns {@code __ret}: the expansion's value, or {@code -ERESTARTSYS}.
     */
    private static long waitEventLoop(WaitQueueHead wq, int state, boolean exclusive, Expansion e, String what) {
        Kernel kernel = wq.kernel();
        Task current = kernel.current();
        WaitQueueEntry wait = WaitQueueEntry.forWaitEvent(current, exclusive);
        String outer = current.blockedOn();
        current.setBlockedOn(what + " on wait queue " + wq.name());
        boolean finished = false;
        try {
            for (;;) {
                long interrupted = wq.prepareToWaitEvent(wait, state);
                if (e.condition()) {
                    break;
                }
                if ((state & Task.TASK_INTERRUPTIBLE) != 0 && interrupted != 0) {
                    e.ret = interrupted;
                    if (exclusive) {
                        finished = true;
                        wq.abortExclusiveWait(wait, state);
                        return e.ret;
                    }
                    break;
                }
                e.cmd(kernel);
            }
            finished = true;
            wq.finishWait(wait);
            return e.ret;
        } finally {
            if (!finished) {
                wq.finishWait(wait); // a model report (hung task) left the loop: unlink, keep the queue sane
            }
            current.setBlockedOn(outer);
        }
    }

    private static Expansion plain(BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        return new Expansion(0) {
            @Override
            boolean condition() {
                return condition.getAsBoolean();
            }

            @Override
            void cmd(Kernel kernel) {
                kernel.schedule();
            }
        };
    }

    /** The parts of one macro expansion: its {@code __ret}, its condition and its sleep command. */
    private abstract static class Expansion {
        long ret;

        Expansion(long ret) {
            this.ret = ret;
        }

        abstract boolean condition();

        abstract void cmd(Kernel kernel);
    }
}
