package dev.mybrd.lincheck.rcu;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.rcu.Rcu;
import dev.mybrd.rcu.RcuBug;
import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chapter's example as operations: a global pointer {@code gbl_foo} to a {@code struct foo}
 * ({@link RcuObject}), readers that look at {@code foo->a} under {@code rcu_read_lock}, and updaters
 * that, under {@code foo_lock}, replace the object with a copy whose {@code a} is one larger, then
 * reclaim the old one after a grace period ({@code synchronize_rcu} then {@code kfree}, or
 * {@code call_rcu}). Every operation runs as a task on the CPU it is given.
 *
 * <p>A reader returns the {@code a} it read: a current or a recently replaced value, both allowed
 * (readers may be stale, spec 3.3 (g)), or {@link RcuObject#POISON_FREE} if the object it reached
 * was already freed, which no sequential execution explains. Seeded variants override the hooks.
 */
public abstract class FooOps {
    protected final Kernel kernel = new Kernel(4);
    protected final Rcu rcu = new Rcu(kernel, bugs());
    protected final RcuPointer<RcuObject> gblFoo = new RcuPointer<>(initialFoo());
    protected final SpinLock fooLock = new SpinLock(kernel, "foo_lock");
    /** Objects freed by RCU callbacks so far. */
    protected final AtomicInteger reclaimed = new AtomicInteger();

    /** Seeded bugs of the RCU implementation; none by default. */
    protected EnumSet<RcuBug> bugs() {
        return EnumSet.noneOf(RcuBug.class);
    }

    /** What {@code gbl_foo} points to at first. */
    protected RcuObject initialFoo() {
        return new RcuObject(1);
    }

    /** Whether the synchronous updater waits for a grace period before {@code kfree}. */
    protected boolean updaterWaitsForReaders() {
        return true;
    }

    /** {@code rcu_read_lock(); p = rcu_dereference(gbl_foo); a = p->a; rcu_read_unlock()}; -1 if null. */
    protected int readFoo(int cpu) {
        return kernel.runOn(cpu, "reader", () -> {
            rcu.readLock();
            try {
                RcuObject p = gblFoo.dereference();
                return p == null ? -1 : p.a();
            } finally {
                rcu.readUnlock();
            }
        });
    }

    /** Replaces {@code gbl_foo} under {@code foo_lock}; returns the old object. */
    private RcuObject replaceFoo() {
        fooLock.lock();
        try {
            RcuObject old = gblFoo.dereferenceProtected(true);
            gblFoo.assign(new RcuObject(old.a() + 1));
            return old;
        } finally {
            fooLock.unlock();
        }
    }

    /** The synchronous update: replace, {@code synchronize_rcu()}, {@code kfree(old)}. */
    protected int updateFoo(int cpu) {
        return kernel.runOn(cpu, "updater", () -> {
            RcuObject old = replaceFoo();
            if (updaterWaitsForReaders()) {
                rcu.synchronizeRcu();
            }
            old.kfree();
            return 0;
        });
    }

    /** The asynchronous update: replace, then {@code call_rcu(&old->rcu, free_foo)}. */
    protected int retireFoo(int cpu) {
        return kernel.runOn(cpu, "updater", () -> {
            RcuObject old = replaceFoo();
            rcu.callRcu(old.rcuHead(), head -> {
                old.kfree();
                reclaimed.incrementAndGet();
            });
            return 0;
        });
    }

    /** {@code rcu_barrier()}; returns how many objects callbacks have freed. */
    protected int barrierCount(int cpu) {
        return kernel.runOn(cpu, "barrier", () -> {
            rcu.rcuBarrier();
            return reclaimed.get();
        });
    }
}
