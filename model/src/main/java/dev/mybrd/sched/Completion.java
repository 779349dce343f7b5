package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Set;

/**
 * {@code struct completion} of v4.4's {@code kernel/sched/completion.c}: a count of "done" events and
 * a wait queue, both under the wait queue's lock.
 *
 * <p><b>Algorithm.</b> {@code complete()} adds one to {@code done} and wakes one exclusive waiter;
 * {@code complete_all()} adds {@code UINT_MAX/2} (in effect "for ever") and wakes everyone. A waiter
 * takes the lock; if {@code done} is 0 it queues itself as an exclusive waiter at the tail
 * ({@code DECLARE_WAITQUEUE}: {@code default_wake_function}, so the entry stays queued until the
 * waiter removes it), and loops: {@code __set_current_state}, drop the lock, sleep, retake the lock,
 * until {@code done} is non-zero or the timeout ran out. It then consumes one {@code done}. The lock
 * orders everything, so the state store needs no barrier of its own: a {@code complete()} that runs
 * after the waiter dropped the lock finds the entry queued and the state set.
 *
 * <p><b>Invariants.</b> Each {@code complete()} lets exactly one waiter through (now or later), and
 * after {@code complete_all()} every waiter passes; {@code done} is never consumed below 0.
 *
 * <p>{@code done} is written under the lock and read without it by {@code try_wait_for_completion}
 * and {@code completion_done} ({@code READ_ONCE}): opaque. It is an {@code unsigned int} in C; Java's
 * int wraps the same way, and only "is it 0" is ever asked.
 */
public final class Completion {
    /** {@code UINT_MAX / 2}: what {@code complete_all()} adds. */
    private static final int COMPLETE_ALL = 0x7fff_ffff;
    /** How long {@code completion_done()} may wait for a {@code complete()} to drop the lock. */
    private static final long UNLOCK_WAIT_NANOS = 10_000_000_000L;
    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Completion.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final WaitQueueHead wait;
    private final boolean testWithoutLock;
    @SuppressWarnings("unused") private int done;

    /** {@code init_completion(x)}: not done, nobody waiting. */
    public Completion(Kernel kernel, String name) {
        this(kernel, name, Set.of());
    }

    /** The same with seeded bugs; only {@link WaitBug#COMPLETION_TEST_WITHOUT_LOCK} concerns a completion. */
    public Completion(Kernel kernel, String name, Set<WaitBug> bugs) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.wait = new WaitQueueHead(kernel, name);
        this.testWithoutLock = Objects.requireNonNull(bugs, "bugs").contains(WaitBug.COMPLETION_TEST_WITHOUT_LOCK);
    }

    /** {@code reinit_completion(x)}: {@code x->done = 0}, for reuse once nobody waits any more. */
    public void reinitCompletion() {
        DONE.setOpaque(this, 0);
    }

    /** {@code complete(x)}: one more done, one exclusive waiter woken. Any context. */
    public void complete() {
        SpinLock lock = wait.lock();
        boolean flags = lock.lockIrqsave();
        try {
            DONE.setOpaque(this, done() + 1);
            wait.wakeUpLocked(Task.TASK_NORMAL, 1);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code complete_all(x)}: done for ever (until {@link #reinitCompletion}), everyone woken. */
    public void completeAll() {
        SpinLock lock = wait.lock();
        boolean flags = lock.lockIrqsave();
        try {
            DONE.setOpaque(this, done() + COMPLETE_ALL);
            wait.wakeUpLocked(Task.TASK_NORMAL, 0);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code wait_for_completion(x)}: uninterruptible, no timeout (the hung-task bound still applies). */
    public void waitForCompletion() {
        waitForCommon(Long.MAX_VALUE, Task.TASK_UNINTERRUPTIBLE);
    }

    /**
     * {@code wait_for_completion_timeout(x, timeout)}: 0 if it timed out, otherwise the time left
     * (at least 1). Nanoseconds here, jiffies in the kernel.
     */
    public long waitForCompletionTimeout(long timeoutNanos) {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("wait_for_completion_timeout: negative timeout " + timeoutNanos);
        }
        return waitForCommon(timeoutNanos, Task.TASK_UNINTERRUPTIBLE);
    }

    /** {@code wait_for_completion_interruptible(x)}: 0, or {@code -ERESTARTSYS} if a signal ended the wait. */
    public int waitForCompletionInterruptible() {
        long t = waitForCommon(Long.MAX_VALUE, Task.TASK_INTERRUPTIBLE);
        return t == -Wait.ERESTARTSYS ? (int) t : 0;
    }

    /** {@code try_wait_for_completion(x)}: consume a done without sleeping; false if there is none. */
    public boolean tryWaitForCompletion() {
        if (done() == 0) {
            return false;
        }
        SpinLock lock = wait.lock();
        boolean flags = lock.lockIrqsave();
        try {
            if (done() == 0) {
                return false;
            }
            DONE.setOpaque(this, done() - 1);
            return true;
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /**
     * {@code completion_done(x)}: whether a done is pending. If so, v4.4 waits for a concurrent
     * {@code complete()} to drop the lock ({@code smp_rmb(); spin_unlock_wait()}), so the caller may
     * free the completion. The wait is bounded.
     */
    public boolean completionDone() {
        if (done() == 0) {
            return false;
        }
        VarHandle.loadLoadFence();
        spinUnlockWait(wait.lock());
        return true;
    }

    /** The entries waiting now, for checks. */
    public WaitQueueHead waitQueue() {
        return wait;
    }

    private int done() {
        return (int) DONE.getOpaque(this);
    }

    /** {@code __wait_for_common}: {@code might_sleep}, then {@code do_wait_for_common} under {@code spin_lock_irq}. */
    private long waitForCommon(long timeout, int state) {
        kernel.mightSleep("wait_for_completion on " + wait.name());
        boolean mustWait = testWithoutLock && done() == 0; // seeded: decided before the lock
        SpinLock lock = wait.lock();
        lock.lockIrq();
        try {
            return doWaitForCommon(timeout, state, mustWait);
        } finally {
            lock.unlockIrq();
        }
    }

    /**
     * {@code do_wait_for_common}: entered and left with the lock held and IRQs off. The test of
     * {@code done} and the queueing happen in one lock hold, so a {@code complete()} either came
     * before (and this does not sleep) or finds the entry queued. {@code decidedWithoutLock} is the
     * seeded {@link WaitBug#COMPLETION_TEST_WITHOUT_LOCK}: the answer of a lockless test, taken as is.
     */
    private long doWaitForCommon(long timeout, int state, boolean decidedWithoutLock) {
        if (decidedWithoutLock || (!testWithoutLock && done() == 0)) {
            Task current = kernel.current();
            WaitQueueEntry entry = WaitQueueEntry.declareWaitqueue(current);
            wait.addWaitQueueTailExclusiveLocked(entry);
            String outer = current.blockedOn();
            current.setBlockedOn("wait_for_completion on " + wait.name());
            try {
                do {
                    if ((state & Task.TASK_INTERRUPTIBLE) != 0 && current.signalPending()) {
                        timeout = -Wait.ERESTARTSYS;
                        break;
                    }
                    kernel.setCurrentStateRelaxed(state);
                    wait.lock().unlockIrq();
                    try {
                        timeout = kernel.scheduleTimeout(timeout);
                    } finally {
                        wait.lock().lockIrq();
                    }
                } while (done() == 0 && timeout != 0);
            } finally {
                wait.removeWaitQueueLocked(entry);
                current.setBlockedOn(outer);
            }
            if (done() == 0) {
                return timeout;
            }
        }
        DONE.setOpaque(this, done() - 1);
        return timeout != 0 ? timeout : 1;
    }

    /** {@code spin_unlock_wait(lock)}: wait until the lock is free, without taking it; bounded. */
    private static void spinUnlockWait(SpinLock lock) {
        long deadline = System.nanoTime() + UNLOCK_WAIT_NANOS;
        while (lock.isLocked()) {
            if (System.nanoTime() - deadline > 0) {
                throw new KernelBug("completion_done: " + lock + " still held by " + lock.owner() + " after "
                        + UNLOCK_WAIT_NANOS / 1_000_000 + " ms");
            }
            Thread.onSpinWait();
        }
    }
}
