package dev.mybrd.stress.spinlock;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.LockBug;
import dev.mybrd.locking.SpinLock;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plumbing shared by the mutual-exclusion checks: a 2-CPU machine, one spinlock (with a seeded bug
 * or none), and a critical section that increments a plain counter. Not a test itself.
 *
 * <p>What it reports besides the counter ({@link #damage()}, a bit mask): {@link #TWO_HOLDERS} when a
 * task found another inside the section (an atomic count of who is inside) or when
 * {@code spin_unlock} hit {@code BUG: spinlock wrong owner} (CONFIG_DEBUG_SPINLOCK's view of the same
 * thing: the owner field names the other holder); {@link #STRANDED} when a waiter found its ticket
 * already behind {@code head} (the model's "ticket skipped" report: it would spin until the tickets
 * wrap), so a broken lock ends the sample instead of hanging it.
 */
final class LockedSection {
    static final int TWO_HOLDERS = 1;
    static final int STRANDED = 2;

    private final Kernel kernel = new Kernel(2);
    private final SpinLock lock;
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger damage = new AtomicInteger();
    private int counter; // plain: only the holder touches it

    LockedSection(LockBug bug) {
        this.lock = new SpinLock(kernel, "counter_lock", bug == null ? EnumSet.noneOf(LockBug.class) : EnumSet.of(bug));
    }

    /** As task {@code comm} on CPU {@code cpu}: spin_lock, enter, counter++, leave, spin_unlock. */
    void run(int cpu, String comm) {
        try {
            kernel.runOn(cpu, comm, () -> {
                lock.lock();
                if (inside.getAndIncrement() != 0) {
                    damage.accumulateAndGet(TWO_HOLDERS, (a, b) -> a | b);
                }
                int v = counter;
                counter = v + 1;
                inside.decrementAndGet();
                lock.unlock();
            });
        } catch (KernelBug e) {
            String m = String.valueOf(e.getMessage());
            int kind = m.contains("wrong owner") ? TWO_HOLDERS : m.contains("ticket skipped") ? STRANDED : 4;
            damage.accumulateAndGet(kind, (a, b) -> a | b);
        }
    }

    int counter() {
        return counter;
    }

    int damage() {
        return damage.get();
    }
}
