package dev.mybrd.locking;

/**
 * {@code arch_spinlock_t}: the architecture's raw lock word under {@code spinlock_t}, with no notion
 * of CPUs, contexts or owners ({@code arch_spin_lock}, {@code arch_spin_unlock},
 * {@code arch_spin_trylock}, {@code arch_spin_is_locked}). {@link SpinLock} adds preemption, IRQ and
 * BH control, the debug owner and lockdep on top.
 *
 * <p>Two implementations: {@link TicketLock}, what the spinlock chapter reads, and
 * {@link CmpxchgLock}, the 0/1 lock the chapter starts from.
 */
public interface ArchSpinLock {
    /** {@code arch_spin_lock}: returns once the caller holds the lock; a spin past the bound throws. */
    void lock();

    /** {@code arch_spin_unlock}: hands the lock on; only the holder may call it. */
    void unlock();

    /** {@code arch_spin_trylock}: takes the lock if it is free, never waits. */
    boolean trylock();

    /** {@code arch_spin_is_locked}: a racy snapshot. */
    boolean isLocked();
}
