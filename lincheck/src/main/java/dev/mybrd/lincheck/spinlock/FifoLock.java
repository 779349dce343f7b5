package dev.mybrd.lincheck.spinlock;

import dev.mybrd.locking.CmpxchgLock;
import dev.mybrd.locking.TicketLock;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * FIFO order of the lock word (property P7), made observable by splitting {@code arch_spin_lock} at
 * the point where a task joins the queue. {@link #arrive} is that doorway and never waits: the
 * ticket lock's {@code xadd} on {@code tail}; for the cmpxchg lock, which has no queue, its first
 * {@code cmpxchg} attempt. {@link #enter} then waits for the lock, runs a critical section that counts
 * entries, and unlocks; it returns the entry's position.
 *
 * <p>A FIFO lock lets tasks enter in the order their doorways completed: if one task's
 * {@code arrive} finished before another's began, it enters first. {@link FifoSpec} encodes that: a
 * sequential {@code enter} by a task that is not at the head of the queue of arrivals would wait, and
 * returns -1, which no real run returns. So a run where a later arrival entered first has no
 * linearization and the check fails. Each task arrives once and then enters, so every run ends.
 *
 * <p>This works on the raw lock word (no CPUs or contexts are involved in ticket order), and only
 * with the hand-written scenario in which every thread arrives then enters.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public abstract class FifoLock {
    private static final int MAX_THREADS = 8;
    /** What each thread's doorway gave it (a ticket, or 1 if the cmpxchg already won); thread-private. */
    private final int[] token = new int[MAX_THREADS];
    private int entries; // plain: only the holder touches it

    /** The doorway: join the queue without waiting. */
    protected abstract int doorway();

    /** Wait (if needed) until the lock is ours, given what the doorway returned. */
    protected abstract void await(int token);

    protected abstract void release();

    @Operation
    public void arrive(@Param(name = "cpu") int cpu) {
        token[cpu] = doorway();
    }

    @Operation
    public int enter(@Param(name = "cpu") int cpu) {
        await(token[cpu]);
        int position = entries;
        entries = position + 1;
        release();
        return position;
    }

    /** The ticket lock: the doorway is the xadd, the wait is the spin on head. Must pass. */
    public static class Ticket extends FifoLock {
        private final TicketLock lock = new TicketLock("fifo");

        @Override
        protected int doorway() {
            return lock.takeTicket();
        }

        @Override
        protected void await(int ticket) {
            lock.waitForTicket(ticket);
        }

        @Override
        protected void release() {
            lock.unlock();
        }
    }

    /** Seeded {@code CMPXCHG_LOCK}: the doorway is one cmpxchg; a waiter can be overtaken. Must be caught. */
    public static class Cmpxchg extends FifoLock {
        private final CmpxchgLock lock = new CmpxchgLock("fifo");

        @Override
        protected int doorway() {
            return lock.trylock() ? 1 : 0;
        }

        @Override
        protected void await(int won) {
            if (won == 0) {
                lock.lock();
            }
        }

        @Override
        protected void release() {
            lock.unlock();
        }
    }
}
