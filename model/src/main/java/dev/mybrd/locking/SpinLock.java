package dev.mybrd.locking;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code spinlock_t} over the x86 ticket lock ({@code arch/x86/include/asm/spinlock.h} with
 * {@code CONFIG_QUEUED_SPINLOCKS=n}, the algorithm the spinlock chapter reads).
 *
 * <p><b>Algorithm.</b> Two 16-bit counters: {@code tail}, the next ticket to hand out, and
 * {@code head}, the ticket being served. {@code arch_spin_lock} takes a ticket with one atomic add on
 * {@code tail} ({@code xadd}) and spins reading {@code head} until it equals the ticket;
 * {@code arch_spin_unlock} advances {@code head}. Tickets are served strictly in the order of the
 * adds, so the lock is FIFO. The kernel packs both counters in one word so that
 * {@code arch_spin_trylock} can compare-and-swap the pair; here they are separate fields and trylock
 * swaps {@code tail} from the observed {@code head}, which succeeds under the same condition
 * (the lock was free) and takes the same ticket.
 *
 * <p><b>Ordering.</b> The spin reads {@code head} with acquire and unlock writes it with release,
 * the Java counterpart of x86's TSO plus the compiler {@code barrier()} at the end of lock.
 *
 * <p><b>Context.</b> {@code spin_lock} disables preemption first ({@code include/linux/spinlock_api_smp.h}),
 * so the holder's CPU is atomic until {@code spin_unlock}. Re-acquiring a lock the current task
 * holds would spin forever on one CPU; the model reports it as a bug instead. Waiting is bounded: a
 * spin that outlasts the bound fails naming the holder.
 */
public class SpinLock {
    private static final int TICKET_MASK = 0xffff;
    private static final long DEFAULT_SPIN_NANOS = 10_000_000_000L;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(SpinLock.class, "head", int.class);
            TAIL = l.findVarHandle(SpinLock.class, "tail", int.class);
            OWNER = l.findVarHandle(SpinLock.class, "owner", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    protected final Kernel kernel;
    @SuppressWarnings("unused") private int head;
    @SuppressWarnings("unused") private int tail;
    /** Debug field like {@code spinlock_t.owner} under CONFIG_DEBUG_SPINLOCK; not part of the protocol. */
    @SuppressWarnings("unused") private Task owner;

    public SpinLock(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** {@code spin_lock()}: preempt_disable, then take a ticket and wait for it. */
    public void lock() {
        kernel.preemptDisable();
        Task me = kernel.current();
        if ((Task) OWNER.getOpaque(this) == me) {
            kernel.preemptEnable();
            throw new KernelBug("BUG: spinlock recursion on " + name + " by task " + me + " on " + me.cpu());
        }
        archSpinLock(me);
        OWNER.setOpaque(this, me);
        me.heldLocks().push(this);
    }

    /** {@code spin_unlock()}: release the lock, then preempt_enable. */
    public void unlock() {
        Task me = kernel.current();
        Task holder = (Task) OWNER.getOpaque(this);
        if (holder != me) {
            throw new KernelBug("BUG: spinlock wrong owner on " + name + ": task " + me
                    + " unlocks a lock held by " + holder);
        }
        OWNER.setOpaque(this, (Task) null);
        me.heldLocks().remove(this);
        archSpinUnlock();
        kernel.preemptEnable();
    }

    /** {@code spin_lock_bh()}: bottom halves off, then lock. */
    public void lockBh() {
        kernel.localBhDisable();
        lock();
    }

    /** {@code spin_unlock_bh()}: unlock, then bottom halves on (pending softirqs may run). */
    public void unlockBh() {
        unlock();
        kernel.localBhEnable();
    }

    /** {@code spin_lock_irq()}: interrupts off, then lock. */
    public void lockIrq() {
        kernel.localIrqDisable();
        lock();
    }

    /** {@code spin_unlock_irq()}: unlock, then interrupts on unconditionally. */
    public void unlockIrq() {
        unlock();
        kernel.localIrqEnable();
    }

    /** {@code spin_lock_irqsave(lock, flags)}: returns the saved flags (true = IRQs were off). */
    public boolean lockIrqsave() {
        boolean flags = kernel.localIrqSave();
        lock();
        return flags;
    }

    /** {@code spin_unlock_irqrestore(lock, flags)}. */
    public void unlockIrqrestore(boolean flags) {
        unlock();
        kernel.localIrqRestore(flags);
    }

    /** {@code spin_trylock()}: true if the lock was free and is now held. */
    public boolean tryLock() {
        kernel.preemptDisable();
        if (archSpinTrylock()) {
            Task me = kernel.current();
            OWNER.setOpaque(this, me);
            me.heldLocks().push(this);
            return true;
        }
        kernel.preemptEnable();
        return false;
    }

    /** {@code spin_is_locked()}: a racy snapshot, as in the kernel. */
    public boolean isLocked() {
        return (int) HEAD.getOpaque(this) != ((int) TAIL.getOpaque(this) & TICKET_MASK);
    }

    /** The debug owner, or null. */
    public Task owner() {
        return (Task) OWNER.getOpaque(this);
    }

    /** {@code arch_spin_lock}: xadd on tail, spin on head. */
    private void archSpinLock(Task me) {
        int ticket = (int) TAIL.getAndAdd(this, 1) & TICKET_MASK;
        long deadline = 0;
        for (int spins = 0; ((int) HEAD.getAcquire(this) & TICKET_MASK) != ticket; spins++) {
            if ((spins & 1023) == 1023) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + DEFAULT_SPIN_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("lockup: task " + me + " on " + me.cpu() + " spun "
                            + DEFAULT_SPIN_NANOS / 1_000_000 + " ms on " + name + " (ticket " + ticket
                            + "), held by " + owner());
                }
                Thread.yield();
            }
            Thread.onSpinWait();
        }
    }

    /** {@code arch_spin_unlock}: head += 1, published with release. */
    private void archSpinUnlock() {
        HEAD.setRelease(this, ((int) HEAD.getOpaque(this) + 1) & TICKET_MASK);
    }

    /** {@code arch_spin_trylock}: cmpxchg tail from head to head + 1 if the lock looks free. */
    private boolean archSpinTrylock() {
        int h = (int) HEAD.getAcquire(this) & TICKET_MASK;
        int t = (int) TAIL.getOpaque(this);
        return h == (t & TICKET_MASK) && TAIL.compareAndSet(this, t, t + 1);
    }

    @Override
    public String toString() {
        return name;
    }
}
