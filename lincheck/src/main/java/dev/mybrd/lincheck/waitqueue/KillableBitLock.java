package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitBug;
import dev.mybrd.sched.WaitQueueEntry;
import dev.mybrd.sched.WaitQueueHead;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * {@code abort_exclusive_wait} passes on a wake-up that a waiter giving up was chosen for: the bit
 * lock of {@code lock_page_killable} as Johannes Weiner's 777c6c5f1f6e "wait: prevent exclusive
 * waiter starvation" describes it, on this model's wait queue.
 *
 * <p>A page starts locked (PG_locked set, as while its read I/O runs). A locker takes it with
 * {@code __wait_on_bit_lock}: loop { {@code prepare_to_wait_exclusive}; if the bit is set, run the
 * action, which sleeps ({@code schedule()}) and then answers -EINTR if a signal is pending, and give
 * up through {@code abort_exclusive_wait} on -EINTR } while {@code test_and_set_bit} fails; then
 * {@code finish_wait}. The action is the one of the commit's report (v2.6.28's
 * {@code sync_page_killable}: sleep, then test the signal); v4.4's {@code bit_wait} tests the
 * signal before it sleeps, but {@code abort_exclusive_wait} is what keeps any action of the first
 * shape safe. A locker that got the page unlocks it at once: {@code clear_bit_unlock};
 * {@code smp_mb__after_atomic}; if {@code waitqueue_active}, {@code __wake_up(TASK_NORMAL, 1)}
 * ({@code unlock_page}, {@code wake_up_bit}).
 *
 * <p>The race: lockers A (killable) and B sleep, exclusive, A first. The I/O ends: the page is
 * unlocked and one exclusive waiter woken, A, whose entry {@code autoremove_wake_function} unlinks;
 * then A is killed. A's action sees the signal and A gives up. The wake-up was A's; unless
 * {@code abort_exclusive_wait} passes it on, B sleeps on an unlocked page and nobody will wake it.
 * Lincheck reports that as a hang. Every result is a constant ({@link KillableBitLockSpec}): the
 * property is that every operation returns.
 */
public class KillableBitLock {
    private static final int PG_LOCKED = 0x1;
    private static final VarHandle FLAGS;
    private static final VarHandle KILL_REQUESTED;
    private static final VarHandle VICTIM;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(KillableBitLock.class, "flags", int.class);
            KILL_REQUESTED = l.findVarHandle(KillableBitLock.class, "killRequested", boolean.class);
            VICTIM = l.findVarHandle(KillableBitLock.class, "victim", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected final Kernel kernel = new Kernel(4);
    protected final WaitQueueHead wq = new WaitQueueHead(kernel, "page_waitqueue", bugs());
    @SuppressWarnings("unused") private int flags = PG_LOCKED; // the read I/O holds the page
    @SuppressWarnings("unused") private boolean killRequested;
    @SuppressWarnings("unused") private Task victim;

    /** The seeded bugs; none in the model under check. */
    protected Set<WaitBug> bugs() {
        return Set.of();
    }

    /** {@code lock_page_killable(page)} by the task that may be killed, then {@code unlock_page}; 0. */
    @Operation
    public int lockKillable(int cpu) {
        return kernel.runOn(cpu, "killable" + cpu, () -> {
            VICTIM.setVolatile(this, kernel.current());
            if ((boolean) KILL_REQUESTED.getVolatile(this)) {
                kernel.sendSignal(kernel.current()); // the kill came before this task existed
            }
            if (lockPage() == 0) {
                unlockPage();
            }
            return 0;
        });
    }

    /** {@code lock_page(page)} by a task nobody kills, then {@code unlock_page}; 0. */
    @Operation
    public int lock(int cpu) {
        return kernel.runOn(cpu, "locker" + cpu, () -> {
            lockPage();
            unlockPage();
            return 0;
        });
    }

    /** The read I/O ends ({@code unlock_page}), then the killable locker is killed; 0. */
    @Operation
    public int unlockThenKill(int cpu) {
        return kernel.runOn(cpu, "io" + cpu, () -> {
            unlockPage();
            KILL_REQUESTED.setVolatile(this, true);
            Task t = (Task) VICTIM.getVolatile(this);
            if (t != null) {
                kernel.sendSignal(t);
            }
            return 0;
        });
    }

    /** {@code __lock_page_killable}: the fast path, then {@code __wait_on_bit_lock}; 0 or -EINTR. */
    private int lockPage() {
        if (!testAndSetBit()) {
            return 0; // trylock_page
        }
        WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
        Task current = kernel.current();
        current.setBlockedOn("PG_locked on " + wq.name());
        try {
            do {
                wq.prepareToWaitExclusive(wait, Task.TASK_INTERRUPTIBLE);
                if (!testBit()) {
                    continue;
                }
                if (action() != 0) {
                    wq.abortExclusiveWait(wait, Task.TASK_INTERRUPTIBLE);
                    return -4; // -EINTR
                }
            } while (testAndSetBit());
            wq.finishWait(wait);
            return 0;
        } finally {
            current.setBlockedOn("");
        }
    }

    /** The commit's {@code sync_page_killable}: sleep, then -EINTR if a (fatal) signal is pending. */
    private int action() {
        kernel.schedule();
        return kernel.signalPending() ? -4 : 0;
    }

    /** {@code unlock_page}: {@code clear_bit_unlock}, {@code smp_mb__after_atomic}, {@code wake_up_page}. */
    private void unlockPage() {
        FLAGS.getAndBitwiseAndRelease(this, ~PG_LOCKED);
        VarHandle.fullFence();
        if (wq.waitqueueActive()) {
            wq.wakeUp(Task.TASK_NORMAL, 1);
        }
    }

    /** {@code test_and_set_bit(PG_locked)}: fully ordered; true if it was set already. */
    private boolean testAndSetBit() {
        return ((int) FLAGS.getAndBitwiseOr(this, PG_LOCKED) & PG_LOCKED) != 0;
    }

    private boolean testBit() {
        return ((int) FLAGS.getOpaque(this) & PG_LOCKED) != 0;
    }

    /** {@link WaitBug#ABORT_WITHOUT_PASS_ON}: the pre-2009 abort, which only unlinks. */
    public static class AbortWithoutPassOn extends KillableBitLock {
        @Override
        protected Set<WaitBug> bugs() {
            return Set.of(WaitBug.ABORT_WITHOUT_PASS_ON);
        }
    }
}
