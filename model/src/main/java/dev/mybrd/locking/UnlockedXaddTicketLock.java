package dev.mybrd.locking;

/**
 * Seeded bug {@link LockBug#XADD_WITHOUT_LOCK_PREFIX}: the ticket lock with its {@code xadd} stripped
 * of the LOCK prefix. x86 only makes a read-modify-write atomic across CPUs with that prefix; the
 * kernel patches {@code LOCK_PREFIX} sites to a no-op while one CPU is online ("SMP alternatives",
 * {@code alternatives_smp_unlock}) and back when a second comes up. Running the unpatched code on
 * several CPUs makes the ticket take a load and a separate store, so two CPUs can draw the same
 * ticket and both own the lock (property P6).
 */
final class UnlockedXaddTicketLock extends TicketLock {
    UnlockedXaddTicketLock(String name) {
        super(name);
    }

    /** {@code xadd} without LOCK: read tail, then write tail + 1; another CPU may read in between. */
    @Override
    public int takeTicket() {
        int t = tailOpaque();
        setTailOpaque(t + 1);
        return t & TICKET_MASK;
    }
}
