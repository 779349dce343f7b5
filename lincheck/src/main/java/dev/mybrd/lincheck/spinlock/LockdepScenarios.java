package dev.mybrd.lincheck.spinlock;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.locking.Lockdep;
import dev.mybrd.locking.Lockdep.Rule;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The context and ordering rules of spec 3.1 as deterministic scenarios for lockdep-lite: each runs a
 * short code path of the block layer on fresh simulated CPUs, once as the kernel writes it and once
 * with one call swapped for the wrong one (the seeded bug, chosen by the boolean argument, never the
 * default path). A correct path must leave no lockdep report and the CPU state it promises; a seeded
 * path must be reported under the rule it breaks, at the offending call, before the CPU would spin.
 *
 * <p>Return value, as {@link dev.mybrd.check.ScenarioCheck} expects: null when nothing was seen, else
 * the violation: for a seeded path the lockdep report of the expected rule (and only that: a hang or
 * another failure is not a catch and yields null), for a correct path any report or broken promise.
 */
public final class LockdepScenarios {
    private LockdepScenarios() {
    }

    /**
     * R1, softirq. mybrd inserts pages under {@code mybrd_lock} from process context (bio-mode) and,
     * in the softirq-completion stage, from {@code BLOCK_SOFTIRQ}. The completion interrupt arrives on
     * the CPU that holds the lock and its {@code irq_exit} runs the softirq. With {@code spin_lock_bh}
     * the softirq is deferred to {@code spin_unlock_bh}; with plain {@code spin_lock} (seeded) it runs
     * at once and spins on the lock its own CPU holds.
     */
    public static String softirqUser(boolean seededPlainLock) {
        Kernel kernel = new Kernel(2);
        SpinLock lock = new SpinLock(kernel, "mybrd_lock");
        AtomicInteger inserted = new AtomicInteger();
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            lock.lock();
            inserted.incrementAndGet();
            lock.unlock();
        });
        Runnable path = () -> kernel.runOn(0, "writer", () -> {
            if (seededPlainLock) {
                lock.lock();
            } else {
                lock.lockBh();
            }
            kernel.hardirq("mybrd-irq", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK));
            if (seededPlainLock) {
                lock.unlock();
            } else {
                lock.unlockBh();
            }
        });
        if (seededPlainLock) {
            return expectReport(kernel, Rule.INCONSISTENT_USAGE, path);
        }
        path.run();
        return noReport(kernel, inserted.get() == 1 ? null : "the softirq ran " + inserted.get() + " times, not once");
    }

    /**
     * R1, hardirq. The completion interrupt handler takes {@code queue_lock} (as
     * {@code blk_end_request_all} does); process context takes it with {@code spin_lock_irqsave}. The
     * seeded path uses {@code spin_lock_bh}, which leaves IRQs on: the interrupt arrives while the lock
     * is held and its handler would spin on it.
     */
    public static String hardirqUser(boolean seededLockBh) {
        Kernel kernel = new Kernel(2);
        SpinLock lock = new SpinLock(kernel, "queue_lock");
        AtomicInteger handled = new AtomicInteger();
        Runnable handler = () -> {
            lock.lock();
            handled.incrementAndGet();
            lock.unlock();
        };
        Runnable path = () -> kernel.runOn(0, "submitter", () -> {
            if (seededLockBh) {
                lock.lockBh();
                kernel.hardirq("mybrd-irq", handler); // IRQs are on: it can arrive now
                lock.unlockBh();
            } else {
                boolean flags = lock.lockIrqsave();
                lock.unlockIrqrestore(flags);
                kernel.hardirq("mybrd-irq", handler); // it could only arrive once IRQs were back on
            }
        });
        if (seededLockBh) {
            return expectReport(kernel, Rule.INCONSISTENT_USAGE, path);
        }
        path.run();
        return noReport(kernel, handled.get() == 1 ? null : "the handler ran " + handled.get() + " times, not once");
    }

    /**
     * R2 and the IRQ half of P8. A path that already disabled IRQs ({@code spin_lock_irqsave} on
     * {@code queue_lock}, taken by the interrupt handler too) calls a helper that takes its own lock.
     * The helper must use {@code spin_lock_irqsave}/{@code spin_unlock_irqrestore}, after which IRQs are
     * still off, and the outer restore gives back exactly the saved state. The seeded helper uses
     * {@code spin_lock_irq}/{@code spin_unlock_irq}, which would turn IRQs on with {@code queue_lock}
     * held, so the next interrupt's handler would spin on it.
     */
    public static String nestedIrqPath(boolean seededUnlockIrq) {
        Kernel kernel = new Kernel(2);
        SpinLock queueLock = new SpinLock(kernel, "queue_lock");
        SpinLock devLock = new SpinLock(kernel, "dev_lock");
        String[] broken = {null};
        Runnable path = () -> kernel.runOn(0, "completion", () -> {
            boolean flags = queueLock.lockIrqsave();
            if (seededUnlockIrq) {
                devLock.lockIrq();
                devLock.unlockIrq();
            } else {
                boolean inner = devLock.lockIrqsave();
                devLock.unlockIrqrestore(inner);
            }
            if (!kernel.thisCpu().irqsDisabled()) {
                broken[0] = "IRQs were enabled while queue_lock was held";
            }
            queueLock.unlockIrqrestore(flags);
            if (kernel.thisCpu().irqsDisabled() != flags) {
                broken[0] = "spin_unlock_irqrestore did not restore the saved IRQ state " + flags;
            }
            kernel.hardirq("mybrd-irq", () -> {
                queueLock.lock();
                queueLock.unlock();
            });
        });
        if (seededUnlockIrq) {
            return expectReport(kernel, Rule.UNLOCK_IRQ_WITH_IRQS_OFF, path);
        }
        path.run();
        return noReport(kernel, broken[0]);
    }

    /**
     * R3. A driver ends a request while it holds {@code queue_lock}: it must call
     * {@code __blk_end_request_all} (which expects the lock held). The seeded path calls
     * {@code blk_end_request_all}, which takes {@code queue_lock} itself: recursion on its own CPU.
     */
    public static String endRequestUnderQueueLock(boolean seededLockingVariant) {
        Kernel kernel = new Kernel(2);
        SpinLock queueLock = new SpinLock(kernel, "queue_lock");
        AtomicInteger ended = new AtomicInteger();
        Runnable path = () -> kernel.runOn(0, "request_fn", () -> {
            queueLock.lockIrq();
            if (seededLockingVariant) {
                boolean flags = queueLock.lockIrqsave(); // blk_end_request_all
                ended.incrementAndGet();
                queueLock.unlockIrqrestore(flags);
            } else {
                ended.incrementAndGet(); // __blk_end_request_all: caller holds queue_lock
            }
            queueLock.unlockIrq();
        });
        if (seededLockingVariant) {
            return expectReport(kernel, Rule.RECURSION, path);
        }
        path.run();
        return noReport(kernel, ended.get() == 1 ? null : "the request ended " + ended.get() + " times");
    }

    /**
     * R5. Two paths take {@code queue_lock} and {@code mybrd_lock}, one after the other, on two CPUs.
     * Correct: both in the order queue_lock -> mybrd_lock. Seeded: the second path takes them in the
     * reverse order. The two paths never overlap here, yet lockdep-lite reports the inversion.
     */
    public static String lockOrder(boolean seededReverse) {
        Kernel kernel = new Kernel(2);
        SpinLock queueLock = new SpinLock(kernel, "queue_lock");
        SpinLock mybrdLock = new SpinLock(kernel, "mybrd_lock");
        kernel.runOn(0, "request_fn", () -> {
            queueLock.lockIrq();
            mybrdLock.lock();
            mybrdLock.unlock();
            queueLock.unlockIrq();
        });
        Runnable second = () -> kernel.runOn(1, "insert", () -> {
            SpinLock outer = seededReverse ? mybrdLock : queueLock;
            SpinLock inner = seededReverse ? queueLock : mybrdLock;
            boolean flags = outer.lockIrqsave();
            boolean innerFlags = inner.lockIrqsave();
            inner.unlockIrqrestore(innerFlags);
            outer.unlockIrqrestore(flags);
        });
        if (seededReverse) {
            return expectReport(kernel, Rule.CIRCULAR_DEPENDENCY, second);
        }
        second.run();
        return noReport(kernel, null);
    }

    /**
     * R4 / P25. brd allocates the page ({@code GFP_NOIO}, may sleep) before it takes the lock that
     * guards the insert. The seeded path allocates with {@code mybrd_lock} held.
     */
    public static String allocUnderLock(boolean seededAllocUnderLock) {
        Kernel kernel = new Kernel(2);
        SpinLock lock = new SpinLock(kernel, "mybrd_lock");
        PageAllocator allocator = new PageAllocator(kernel, 4);
        Page[] page = {null};
        Runnable path = () -> kernel.runOn(0, "writer", () -> {
            if (!seededAllocUnderLock) {
                page[0] = allocator.allocPage(Gfp.NOIO | Gfp.ZERO);
            }
            lock.lock();
            if (seededAllocUnderLock) {
                page[0] = allocator.allocPage(Gfp.NOIO | Gfp.ZERO);
            }
            lock.unlock();
        });
        if (seededAllocUnderLock) {
            return expectReport(kernel, Rule.SLEEP_WITH_LOCK_HELD, path);
        }
        path.run();
        return noReport(kernel, page[0] != null ? null : "no page was allocated");
    }

    /** Runs a seeded path; its violation is the first report of {@code rule}, or null if there is none. */
    private static String expectReport(Kernel kernel, Rule rule, Runnable path) {
        try {
            path.run();
        } catch (RuntimeException expected) {
            // the LockdepBug (or might_sleep's AtomicSleepBug) ends the path; the report is what counts
        }
        for (Lockdep.Report r : Lockdep.of(kernel).reports()) {
            if (r.rule() == rule) {
                return r.message();
            }
        }
        return null;
    }

    /** A correct path's verdict: any lockdep report, else {@code broken}, else null. */
    private static String noReport(Kernel kernel, String broken) {
        var reports = Lockdep.of(kernel).reports();
        return reports.isEmpty() ? broken : reports.toString();
    }
}
