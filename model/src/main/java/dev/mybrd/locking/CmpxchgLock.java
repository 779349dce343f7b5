package dev.mybrd.locking;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The 0/1 spinlock the spinlock chapter starts from, before ticket locks (2.6.25): one word that
 * {@code cmpxchg(&lock, 0, 1)} takes and a store of 0 releases. Seeded variant
 * {@link LockBug#CMPXCHG_LOCK}: it is mutually exclusive (property P6 holds) but not fair. When the
 * holder releases, whichever waiter's cmpxchg lands first wins, so a task that has waited longest can
 * lose every round (property P7 fails). Every waiter also writes the lock word on each try, which is
 * the cache-line ping-pong the chapter describes.
 *
 * <p>Ordering: the successful cmpxchg is fully ordered (x86 {@code lock cmpxchg}); the release store
 * orders the critical section before the next holder's cmpxchg.
 */
public final class CmpxchgLock implements ArchSpinLock {
    private static final VarHandle VAL;

    static {
        try {
            VAL = MethodHandles.lookup().findVarHandle(CmpxchgLock.class, "val", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    @SuppressWarnings("unused") private int val;

    public CmpxchgLock(String name) {
        this.name = name;
    }

    /** Retry cmpxchg(0, 1) until it succeeds; bounded like the ticket lock's spin. */
    @Override
    public void lock() {
        long deadline = 0;
        for (int spins = 0; !trylock(); spins++) {
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + TicketLock.SPIN_BOUND_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("lockup: spun " + TicketLock.SPIN_BOUND_NANOS / 1_000_000 + " ms on "
                            + name + " (cmpxchg lock)");
                }
                Thread.yield();
            }
            Thread.onSpinWait();
        }
    }

    /** One {@code cmpxchg(&lock, 0, 1)}. */
    @Override
    public boolean trylock() {
        return VAL.compareAndSet(this, 0, 1);
    }

    /** Store 0 with release. */
    @Override
    public void unlock() {
        VAL.setRelease(this, 0);
    }

    @Override
    public boolean isLocked() {
        return (int) VAL.getOpaque(this) != 0;
    }

    @Override
    public String toString() {
        return "val=" + (int) VAL.getOpaque(this);
    }
}
