package dev.mybrd.locking;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * {@code spinlock_t}: the calls of {@code include/linux/spinlock.h} and {@code spinlock_api_smp.h} over
 * an {@link ArchSpinLock}, by default the x86 {@link TicketLock} that the spinlock chapter reads
 * ({@code CONFIG_QUEUED_SPINLOCKS=n}; v4.4's default x86 build uses the qspinlock instead).
 *
 * <p><b>Steps of {@code spin_lock}</b> ({@code __raw_spin_lock}): {@code preempt_disable()}, then
 * {@code spin_acquire} (lockdep, {@link Lockdep}: judges the acquisition before the lock word is
 * touched), then {@code do_raw_spin_lock} ({@code CONFIG_DEBUG_SPINLOCK}'s recursion check, then
 * {@code arch_spin_lock}), then the debug owner is set. {@code spin_unlock} checks the owner
 * ({@code spin_bug(lock, "wrong owner")}), clears it, calls {@code arch_spin_unlock}, then
 * {@code preempt_enable()}. The {@code _bh}, {@code _irq} and {@code _irqsave} variants disable bottom
 * halves or IRQs first and enable or restore them after the unlock.
 *
 * <p><b>Invariants.</b> At most one holder, the task in {@code owner}; the holder's CPU is atomic until
 * the unlock, so it cannot sleep or be preempted with the lock (P25); every acquisition satisfies
 * lockdep-lite's rules (R1-R5 of spec 3.1) or is refused with a {@link LockdepBug} before it spins;
 * {@code spin_unlock_irqrestore} puts back exactly the IRQ state {@code spin_lock_irqsave} saved (P8).
 * Every wait is bounded: a waiter whose ticket was skipped fails at once, and a spin that outlasts
 * the bound fails, each naming the lock and its holder.
 *
 * <p>Seeded variants ({@link LockBug}) are chosen at construction and never the default.
 */
public class SpinLock {
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(SpinLock.class, "owner", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    protected final Kernel kernel;
    private final ArchSpinLock arch;
    private final boolean debugSpinlock;
    private final Lockdep lockdep;
    final LockdepMap depMap;
    /** Debug field like {@code spinlock_t.owner} under CONFIG_DEBUG_SPINLOCK; not part of the protocol. */
    @SuppressWarnings("unused") private Task owner;

    /** {@code spin_lock_init}: a correct ticket spinlock named {@code name} on {@code kernel}. */
    public SpinLock(Kernel kernel, String name) {
        this(kernel, name, EnumSet.noneOf(LockBug.class));
    }

    /** A spinlock with the seeded bugs {@code bugs} switched on (empty: the correct lock). */
    public SpinLock(Kernel kernel, String name, Set<LockBug> bugs) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bugs, "bugs");
        if (bugs.contains(LockBug.CMPXCHG_LOCK) && bugs.contains(LockBug.XADD_WITHOUT_LOCK_PREFIX)) {
            throw new IllegalArgumentException("CMPXCHG_LOCK has no xadd: it cannot be combined with "
                    + "XADD_WITHOUT_LOCK_PREFIX");
        }
        this.kernel = kernel;
        this.name = name;
        this.arch = bugs.contains(LockBug.CMPXCHG_LOCK) ? new CmpxchgLock(name)
                : bugs.contains(LockBug.XADD_WITHOUT_LOCK_PREFIX) ? new UnlockedXaddTicketLock(name)
                : new TicketLock(name);
        this.debugSpinlock = !bugs.contains(LockBug.NO_OWNER_CHECK);
        this.lockdep = Lockdep.of(kernel);
        this.depMap = new LockdepMap(name);
    }

    public String name() {
        return name;
    }

    /** {@code spin_lock()}. */
    public void lock() {
        acquire(Lockdep.SPIN_LOCK, Lockdep.ENTRY_AS_NOW);
    }

    /** {@code spin_unlock()}. */
    public void unlock() {
        Task me = kernel.current();
        checkOwner(me);
        release(me);
        kernel.preemptEnable();
    }

    /** {@code spin_lock_bh()}: bottom halves off, then lock. */
    public void lockBh() {
        kernel.localBhDisable();
        try {
            acquire(Lockdep.SPIN_LOCK_BH, Lockdep.ENTRY_AS_NOW);
        } catch (KernelBug e) {
            undo(e, kernel::localBhEnable);
            throw e;
        }
    }

    /** {@code spin_unlock_bh()}: unlock, then bottom halves on (pending softirqs may run). */
    public void unlockBh() {
        unlock();
        kernel.localBhEnable();
    }

    /** {@code spin_lock_irq()}: interrupts off, then lock. Only where IRQs are known to be on (R2). */
    public void lockIrq() {
        boolean wasOff = kernel.localIrqSave();
        try {
            acquire(Lockdep.SPIN_LOCK_IRQ, wasOff ? Lockdep.ENTRY_IRQS_OFF : Lockdep.ENTRY_IRQS_ON);
        } catch (KernelBug e) {
            kernel.localIrqRestore(wasOff);
            throw e;
        }
    }

    /**
     * {@code spin_unlock_irq()}: unlock, then interrupts on unconditionally. If IRQs were already off
     * when the lock was taken, that is R2 and lockdep-lite refuses it before changing anything.
     */
    public void unlockIrq() {
        Task me = kernel.current();
        checkOwner(me);
        lockdep.checkUnlockIrq(me, this);
        release(me);
        kernel.preemptEnable();
        kernel.localIrqEnable();
    }

    /** {@code spin_lock_irqsave(lock, flags)}: returns the saved flags (true = IRQs were off). */
    public boolean lockIrqsave() {
        boolean flags = kernel.localIrqSave();
        try {
            acquire(Lockdep.SPIN_LOCK_IRQSAVE, flags ? Lockdep.ENTRY_IRQS_OFF : Lockdep.ENTRY_IRQS_ON);
        } catch (KernelBug e) {
            kernel.localIrqRestore(flags);
            throw e;
        }
        return flags;
    }

    /** {@code spin_unlock_irqrestore(lock, flags)}. */
    public void unlockIrqrestore(boolean flags) {
        unlock();
        kernel.localIrqRestore(flags);
    }

    /** {@code spin_trylock()}: true if the lock was free and is now held; never waits. */
    public boolean tryLock() {
        kernel.preemptDisable();
        if (!arch.trylock()) {
            kernel.preemptEnable();
            return false;
        }
        Task me = kernel.current();
        int hold;
        try {
            hold = lockdep.acquire(me, this, Lockdep.SPIN_TRYLOCK, Lockdep.ENTRY_AS_NOW);
        } catch (KernelBug e) {
            arch.unlock();
            kernel.preemptEnable();
            throw e;
        }
        held(me, hold);
        return true;
    }

    /** {@code spin_is_locked()}: a racy snapshot, as in the kernel. */
    public boolean isLocked() {
        return arch.isLocked();
    }

    /** The debug owner, or null. */
    public Task owner() {
        return (Task) OWNER.getOpaque(this);
    }

    /** The lock word under this spinlock. */
    public ArchSpinLock arch() {
        return arch;
    }

    /** {@code __raw_spin_lock}: preempt_disable, spin_acquire, do_raw_spin_lock. */
    private void acquire(int how, int entry) {
        kernel.preemptDisable();
        Task me = kernel.current();
        int hold;
        try {
            hold = lockdep.acquire(me, this, how, entry);
            debugSpinLockBefore(me);
            archSpinLock(me);
        } catch (KernelBug e) {
            kernel.preemptEnable(); // a lockup report leaves its ticket taken: the lock word is broken anyway
            throw e;
        }
        held(me, hold);
    }

    /** {@code debug_spin_lock_before}: CONFIG_DEBUG_SPINLOCK's own recursion check (lockdep may be off). */
    private void debugSpinLockBefore(Task me) {
        if (debugSpinlock && (Task) OWNER.getOpaque(this) == me) {
            throw new KernelBug("BUG: spinlock recursion on " + name + " by task " + me + " on " + me.cpu());
        }
    }

    private void archSpinLock(Task me) {
        try {
            arch.lock();
        } catch (KernelBug e) {
            throw new KernelBug(e.getMessage() + "; waiter: task " + me + " on " + me.cpu() + ", holder: " + owner());
        }
    }

    /** Now the holder: record how it was taken, the debug owner and the held-lock entry. */
    private void held(Task me, int hold) {
        depMap.hold = hold;
        OWNER.setOpaque(this, me);
        me.heldLocks().push(this);
    }

    /** {@code debug_spin_unlock}: only the holder may unlock (skipped by {@link LockBug#NO_OWNER_CHECK}). */
    private void checkOwner(Task me) {
        Task holder = (Task) OWNER.getOpaque(this);
        if (debugSpinlock && holder != me) {
            throw new KernelBug("BUG: spinlock wrong owner on " + name + ": task " + me
                    + " unlocks a lock held by " + holder);
        }
    }

    /** {@code spin_release} and {@code do_raw_spin_unlock}. */
    private void release(Task me) {
        OWNER.setOpaque(this, (Task) null);
        me.heldLocks().remove(this);
        arch.unlock();
    }

    /** Undoes a variant's BH/IRQ change after a refused acquisition, keeping the first failure. */
    private static void undo(KernelBug cause, Runnable restore) {
        try {
            restore.run();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
