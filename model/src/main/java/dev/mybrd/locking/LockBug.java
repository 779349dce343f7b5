package dev.mybrd.locking;

/**
 * Seeded bugs of the spinlock itself, each switched on explicitly with
 * {@link SpinLock#SpinLock(dev.mybrd.kernel.Kernel, String, java.util.Set)}; the default lock has none.
 */
public enum LockBug {
    /**
     * {@code CONFIG_DEBUG_SPINLOCK=n}: {@code spin_unlock} goes straight to {@code arch_spin_unlock}
     * without checking that the caller holds the lock. A double unlock or an unlock by a non-owner
     * moves {@code head} past a ticket that is still held or waited for: two tasks own the lock at
     * once (P6), or a waiter's ticket is skipped and it never gets the lock.
     */
    NO_OWNER_CHECK,
    /**
     * The ticket take without the LOCK prefix (see {@link UnlockedXaddTicketLock}): two CPUs can draw
     * the same ticket and both enter (P6).
     */
    XADD_WITHOUT_LOCK_PREFIX,
    /**
     * The old 0/1 cmpxchg lock ({@link CmpxchgLock}) under {@code spinlock_t}: mutually exclusive, not
     * FIFO (P7).
     */
    CMPXCHG_LOCK
}
