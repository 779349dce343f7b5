package dev.mybrd.lincheck.spinlock;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.LockBug;
import dev.mybrd.locking.SpinLock;
import java.util.EnumSet;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Mutual exclusion of {@code spinlock_t} (property P6), observed through a plain counter that only
 * the holder touches: each critical section reads it, returns what it read and stores one more. If
 * two tasks are ever inside at once, two sections can read the same value, and no sequential order
 * of the operations explains the results ({@link CounterSpec}).
 *
 * <p>Besides correct lock/unlock pairs the operations include two misuses the debug owner check must
 * refuse: a double unlock and an unlock by a task that does not hold the lock. On the correct lock
 * they change nothing; the seeded {@link LockBug#NO_OWNER_CHECK} lets them advance {@code head} and
 * hand the lock to a second task. Each operation runs as a task on its own simulated CPU ({@code cpu}
 * is Lincheck's thread id).
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public class LockedCounter {
    private final Kernel kernel = new Kernel(4);
    private final SpinLock lock = new SpinLock(kernel, "counter_lock", bugs());
    private int counter; // plain: only the holder touches it

    /** The lock's seeded bugs; seeded variants override it. */
    protected Set<LockBug> bugs() {
        return EnumSet.noneOf(LockBug.class);
    }

    /** {@code spin_lock; counter++; spin_unlock}; returns the value read. */
    @Operation
    public int lockedIncrement(@Param(name = "cpu") int cpu) {
        return kernel.runOn(cpu % kernel.nrCpus(), "inc", () -> {
            lock.lock();
            int v = criticalSection();
            lock.unlock();
            return v;
        });
    }

    /** An error path that unlocks twice; the second unlock must be refused and change nothing. */
    @Operation
    public int doubleUnlock(@Param(name = "cpu") int cpu) {
        return kernel.runOn(cpu % kernel.nrCpus(), "double", () -> {
            lock.lock();
            int v = criticalSection();
            lock.unlock();
            strayUnlock();
            return v;
        });
    }

    /** An unlock by a task that never took the lock; must be refused and change nothing. */
    @Operation
    public int foreignUnlock(@Param(name = "cpu") int cpu) {
        return kernel.runOn(cpu % kernel.nrCpus(), "foreign", () -> {
            strayUnlock();
            return 0;
        });
    }

    private int criticalSection() {
        int v = counter;
        counter = v + 1;
        return v;
    }

    /** An unlock the caller is not entitled to; the debug check's BUG is the expected answer. */
    private void strayUnlock() {
        try {
            lock.unlock();
        } catch (KernelBug refused) {
            // spin_bug("wrong owner") on the correct lock; a preempt_count underflow on the seeded one
        }
    }
}
