package dev.mybrd.lincheck.rcu;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.rcu.Rcu;
import dev.mybrd.rcu.RcuBug;
import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * In-process checks: the rules the model enforces itself, sleeping inside a read-side section and
 * {@code synchronize_rcu} inside one are reported (P25), each with a twin that does the same thing
 * legally and must pass; and a bounded soak of {@code call_rcu} on real threads that counts every
 * callback (P10).
 */
final class RcuScenarios {
    private static final String P25_SYNC = "P25 synchronize_rcu not in a read-side section";
    private static final String P25_BLOCK = "P25 no blocking in a read-side section";
    private static final String P10 = "P10 call_rcu: each callback once, after a grace period";
    /** Retires per updater thread in the soak: several batches of {@code blimit} per CPU. */
    private static final int SOAK_RETIRES = 60;
    private static final int SOAK_READS = 200;

    private RcuScenarios() {
    }

    static List<Check> all() {
        return List.of(
                new ScenarioCheck(Catalog.RCU, "synchronize-outside-reader", P25_SYNC, Expect.HOLDS,
                        () -> synchronizeAfterReading(false)),
                new ScenarioCheck(Catalog.RCU, "seeded-synchronize-in-reader", P25_SYNC, Expect.CATCHES_BUG,
                        () -> synchronizeAfterReading(true)),
                new ScenarioCheck(Catalog.RCU, "block-after-reader", P25_BLOCK, Expect.HOLDS,
                        () -> blockAfterReading(false)),
                new ScenarioCheck(Catalog.RCU, "seeded-block-in-reader", P25_BLOCK, Expect.CATCHES_BUG,
                        () -> blockAfterReading(true)),
                new ScenarioCheck(Catalog.RCU, "call-rcu-counts", P10, Expect.HOLDS,
                        () -> callRcuSoak(EnumSet.noneOf(RcuBug.class))),
                new ScenarioCheck(Catalog.RCU, "seeded-done-segment-not-spliced-counts", P10, Expect.CATCHES_BUG,
                        () -> callRcuSoak(EnumSet.of(RcuBug.DONE_SEGMENT_NOT_SPLICED))));
    }

    /**
     * Three updater threads (CPUs 0-2) each retire {@code gbl_foo} {@value #SOAK_RETIRES} times with
     * {@code call_rcu}, while a reader thread (CPU3) reads it; then {@code rcu_barrier}. Every
     * retired object must have been freed exactly once (a second free is the allocator's BUG), and
     * no reader may have read a freed one. Returns the first violation, or null.
     */
    private static String callRcuSoak(EnumSet<RcuBug> bugs) throws InterruptedException {
        Rcu rcu = new Rcu(new Kernel(4), bugs);
        Kernel kernel = rcu.kernel();
        RcuPointer<RcuObject> gblFoo = new RcuPointer<>(new RcuObject(0));
        SpinLock fooLock = new SpinLock(kernel, "foo_lock");
        AtomicInteger freed = new AtomicInteger();
        AtomicReference<String> violation = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int cpu = 0; cpu < 3; cpu++) {
            int c = cpu;
            threads.add(new Thread(() -> {
                for (int i = 0; i < SOAK_RETIRES && violation.get() == null; i++) {
                    try {
                        kernel.runOn(c, "updater", () -> {
                            fooLock.lock();
                            RcuObject old = gblFoo.dereferenceProtected(true);
                            gblFoo.assign(new RcuObject(old.a() + 1));
                            fooLock.unlock();
                            rcu.callRcu(old.rcuHead(), head -> {
                                old.kfree();
                                freed.incrementAndGet();
                            });
                        });
                    } catch (RuntimeException e) {
                        violation.compareAndSet(null, "updater on CPU" + c + ": " + e.getMessage());
                    }
                }
            }, "updater-" + cpu));
        }
        threads.add(new Thread(() -> {
            for (int i = 0; i < SOAK_READS && violation.get() == null; i++) {
                int a = kernel.runOn(3, "reader", () -> {
                    rcu.readLock();
                    try {
                        return gblFoo.dereference().a();
                    } finally {
                        rcu.readUnlock();
                    }
                });
                if (a == RcuObject.POISON_FREE) {
                    violation.compareAndSet(null, "a reader read POISON_FREE: a callback freed foo under it");
                }
            }
        }, "reader"));
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join(60_000);
            if (t.isAlive()) {
                return t.getName() + " still runs after 60 s: " + rcu.describe();
            }
        }
        if (violation.get() != null) {
            return violation.get();
        }
        try {
            kernel.runOn(3, "barrier", rcu::rcuBarrier);
        } catch (RuntimeException e) {
            return "rcu_barrier: " + e.getMessage();
        }
        int retired = 3 * SOAK_RETIRES;
        return freed.get() == retired ? null
                : retired + " objects retired but " + freed.get() + " callbacks ran: " + rcu.describe();
    }

    /**
     * A task reads under {@code rcu_read_lock} and calls {@code synchronize_rcu}, after
     * {@code rcu_read_unlock} (legal) or before it (the misuse: it would wait for its own section).
     * Returns the model's report, or null.
     */
    private static String synchronizeAfterReading(boolean insideSection) {
        Kernel kernel = new Kernel(2);
        Rcu rcu = new Rcu(kernel);
        return kernel.runOn(0, "updater", () -> {
            rcu.readLock();
            try {
                if (insideSection) {
                    rcu.synchronizeRcu();
                }
            } finally {
                rcu.readUnlock();
            }
            if (!insideSection) {
                rcu.synchronizeRcu();
            }
            return rcu.completed() == 1 ? null : "synchronize_rcu returned without a grace period: " + rcu.describe();
        });
    }

    /**
     * A task reads under {@code rcu_read_lock} and passes a scheduling point ({@code schedule()},
     * as {@code mutex_lock} or {@code GFP_KERNEL} allocation would), after the unlock (legal) or
     * inside the section (the misuse). Returns the model's report, or null.
     */
    private static String blockAfterReading(boolean insideSection) {
        Kernel kernel = new Kernel(2);
        Rcu rcu = new Rcu(kernel);
        kernel.runOn(0, "reader", () -> {
            rcu.readLock();
            try {
                if (insideSection) {
                    kernel.schedule();
                }
            } finally {
                rcu.readUnlock();
            }
            if (!insideSection) {
                kernel.schedule();
            }
        });
        return null;
    }
}
