package dev.mybrd.locking;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The x86 ticket lock of {@code arch/x86/include/asm/spinlock.h} as the spinlock chapter reads it
 * (v4.4 compiles it only with {@code CONFIG_QUEUED_SPINLOCKS=n}; the default x86 build uses the MCS
 * based qspinlock instead). Paravirt slow path left out: {@code TICKET_LOCK_INC} is 1.
 *
 * <p><b>Algorithm.</b> Two 16-bit counters ({@code __ticket_t} is u16 once {@code NR_CPUS >= 256};
 * the model takes the wide form): {@code tail}, the next ticket to hand out, and {@code head}, the
 * ticket being served. {@code arch_spin_lock} takes a ticket with one {@code xadd} on {@code tail}
 * ({@link #takeTicket}) and spins reading {@code head} until it equals the ticket
 * ({@link #waitForTicket}). {@code arch_spin_unlock} adds one to {@code head}. Free means
 * {@code head == tail}.
 *
 * <p><b>Invariants.</b> {@code tail - head} (mod 2^16) is the number of holders plus waiters; the one
 * holder is the task whose ticket equals {@code head}; tickets are served strictly in the order of the
 * {@code xadd}s (FIFO: no waiter is ever overtaken); {@code head} changes only in unlock and
 * {@code tail} only in lock and a successful trylock. All arithmetic is mod 2^16, correct while fewer
 * than 2^16 tasks contend.
 *
 * <p><b>Ordering.</b> The spin reads {@code head} with acquire and unlock writes it with release: x86's
 * TSO plus the compiler {@code barrier()} at the end of {@code arch_spin_lock}. Only the holder writes
 * {@code head}, so unlock's read-add-write needs no atomic instruction ({@code __add} without the LOCK
 * prefix in the kernel).
 *
 * <p>The kernel packs both counters in one word so that trylock can compare-and-swap the pair. Here
 * they are separate fields and trylock swaps {@code tail} from the {@code head} it read, which
 * succeeds under the same condition (the lock was free and no ticket was taken since) and takes the
 * same ticket.
 */
public class TicketLock implements ArchSpinLock {
    /** Tickets are u16. */
    static final int TICKET_MASK = 0xffff;
    /** How long a waiter spins before the model reports a lockup instead of hanging. */
    static final long SPIN_BOUND_NANOS = 10_000_000_000L;
    /** Half the ticket space: a head this far past a ticket has overtaken it (fewer than 2^15 contend). */
    private static final int OVERTAKEN = 0x8000;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(TicketLock.class, "head", int.class);
            TAIL = l.findVarHandle(TicketLock.class, "tail", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    @SuppressWarnings("unused") private int head;
    /** Grows without masking; only its low 16 bits are the ticket. */
    @SuppressWarnings("unused") private int tail;

    public TicketLock(String name) {
        this.name = name;
    }

    @Override
    public void lock() {
        waitForTicket(takeTicket());
    }

    /** The {@code xadd} of {@code arch_spin_lock}: tail += 1, returning my ticket (the old tail). */
    public int takeTicket() {
        return (int) TAIL.getAndAdd(this, 1) & TICKET_MASK;
    }

    /**
     * The spin of {@code arch_spin_lock}: {@code READ_ONCE(lock->tickets.head)} until it equals
     * {@code ticket}, with acquire so the critical section stays after it.
     *
     * <p>Two bounds turn a hang into a report. If {@code head} has already moved past the ticket (only
     * a broken lock or a stray unlock does that: on a correct lock {@code head} stops at the oldest
     * ticket still waiting), the ticket will not come up before the counters wrap, and the waiter
     * reports it at once; timing plays no part, so this never fires on a correct lock. A spin that
     * outlasts {@link #SPIN_BOUND_NANOS} (a holder that never unlocks) reports a lockup.
     */
    public void waitForTicket(int ticket) {
        long deadline = 0;
        for (int spins = 0; ; spins++) {
            int h = (int) HEAD.getAcquire(this) & TICKET_MASK;
            if (h == ticket) {
                return;
            }
            if (((h - ticket) & TICKET_MASK) < OVERTAKEN) {
                throw new KernelBug("BUG: spinlock ticket skipped on " + name + ": ticket " + ticket
                        + " is behind head " + h + " and would wait until the tickets wrap (" + this + ")");
            }
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + SPIN_BOUND_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("lockup: spun " + SPIN_BOUND_NANOS / 1_000_000 + " ms on " + name
                            + " for ticket " + ticket + " (" + this + ")");
                }
                Thread.yield();
            }
            Thread.onSpinWait(); // cpu_relax()
        }
    }

    /** {@code arch_spin_unlock}: head += 1, published with release; only the holder writes head. */
    @Override
    public void unlock() {
        HEAD.setRelease(this, ((int) HEAD.getOpaque(this) + 1) & TICKET_MASK);
    }

    /** {@code arch_spin_trylock}: if head == tail, cmpxchg tail to tail + 1. */
    @Override
    public boolean trylock() {
        int h = (int) HEAD.getAcquire(this) & TICKET_MASK;
        int t = (int) TAIL.getOpaque(this);
        return h == (t & TICKET_MASK) && TAIL.compareAndSet(this, t, t + 1);
    }

    /** {@code arch_spin_is_locked}: head != tail. */
    @Override
    public boolean isLocked() {
        return (int) HEAD.getOpaque(this) != ((int) TAIL.getOpaque(this) & TICKET_MASK);
    }

    /** {@code arch_spin_is_contended}: someone waits behind the holder. */
    public boolean isContended() {
        int t = (int) TAIL.getOpaque(this);
        return ((t - (int) HEAD.getOpaque(this)) & TICKET_MASK) > 1;
    }

    /** The raw tail, for the seeded variant's non-atomic ticket take. */
    int tailOpaque() {
        return (int) TAIL.getOpaque(this);
    }

    void setTailOpaque(int t) {
        TAIL.setOpaque(this, t);
    }

    @Override
    public String toString() {
        return "head=" + ((int) HEAD.getOpaque(this) & TICKET_MASK) + " tail="
                + ((int) TAIL.getOpaque(this) & TICKET_MASK);
    }
}
