package dev.mybrd.locking;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitQueueEntry;
import dev.mybrd.sched.WaitQueueHead;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct mutex} (v4.4 {@code kernel/locking/mutex.c}) reduced to its contract: a sleeping
 * lock with one owner. {@code mutex_lock} may sleep ({@code might_sleep}), so it is refused in atomic
 * context; a contended locker queues itself as an exclusive waiter and sleeps, and
 * {@code mutex_unlock} wakes the first one.
 *
 * <p><b>Algorithm.</b> The owner field is claimed with a compare-and-set (the kernel's fast path on
 * {@code count}); a locker that loses registers on the wait list, sets its sleeping state, tries the
 * claim again (register, then test, so an unlock in between is not missed), and sleeps. The kernel's
 * optimistic spinning on a running owner and its hand-off details are left out: they change how long
 * a locker waits, not who may hold the lock.
 *
 * <p>Bad input: unlocking a mutex the caller does not own, or locking one it already owns (which in
 * the kernel deadlocks the task with itself), is a {@link KernelBug} naming both, with nothing changed.
 */
public final class Mutex {
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Mutex.class, "owner", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final String name;
    private final WaitQueueHead waiters;
    @SuppressWarnings("unused") private Task owner;

    /** {@code mutex_init}. */
    public Mutex(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
        this.waiters = new WaitQueueHead(kernel, name + ".wait_list");
    }

    /** {@code mutex_lock}: sleeps until the lock is this task's. */
    public void lock() {
        kernel.mightSleep("mutex_lock(" + name + ")");
        Task me = kernel.current();
        if (OWNER.getAcquire(this) == me) {
            throw new KernelBug("kernel BUG: mutex_lock(" + name + ") by its owner " + me + ": self-deadlock");
        }
        if (tryClaim(me)) {
            return;
        }
        WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
        String was = me.blockedOn();
        me.setBlockedOn("mutex " + name + " held by " + OWNER.getAcquire(this));
        try {
            while (true) {
                waiters.prepareToWaitExclusive(wait, Task.TASK_UNINTERRUPTIBLE);
                if (tryClaim(me)) {
                    return;
                }
                kernel.schedule();
            }
        } finally {
            waiters.finishWait(wait);
            me.setBlockedOn(was);
        }
    }

    /** {@code mutex_trylock}: 1 (true) if the lock is now this task's. */
    public boolean tryLock() {
        return tryClaim(kernel.current());
    }

    /** {@code mutex_unlock}: releases and wakes the first waiter. */
    public void unlock() {
        Task me = kernel.current();
        Object holder = OWNER.getAcquire(this);
        if (holder != me) {
            throw new KernelBug("kernel BUG: mutex_unlock(" + name + ") by " + me + " but the owner is " + holder);
        }
        OWNER.setRelease(this, null);
        VarHandle.fullFence(); // the waker's barrier before the lockless waitqueue_active()
        if (waiters.waitqueueActive()) {
            waiters.wakeUp();
        }
    }

    /** {@code mutex_is_locked}. */
    public boolean isLocked() {
        return OWNER.getAcquire(this) != null;
    }

    private boolean tryClaim(Task me) {
        return OWNER.compareAndSet(this, null, me);
    }

    @Override
    public String toString() {
        return "mutex " + name;
    }
}
