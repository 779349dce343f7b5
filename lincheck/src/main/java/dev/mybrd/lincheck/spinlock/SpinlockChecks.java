package dev.mybrd.lincheck.spinlock;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The checks of the spinlock chapter: mutual exclusion (P6) and FIFO order (P7) of the ticket lock
 * by Lincheck model checking, and the context and ordering rules (P8, R1-R5, P25) by lockdep-lite
 * scenarios. Every property has seeded bugs that its check must catch.
 */
public final class SpinlockChecks {
    private static final String SPINLOCK = Catalog.SPINLOCK;
    private static final String P6 = "P6 mutual exclusion";
    private static final String P7 = "P7 FIFO ticket order";
    private static final String R1 = "P8 R1 context rule (lockdep-lite)";
    private static final String R2 = "P8 R2 IRQ state kept (lockdep-lite)";
    private static final String R3 = "R3 no recursion (lockdep-lite)";
    private static final String R4 = "P25 no sleep under a spinlock";
    private static final String R5 = "R5 lock order (lockdep-lite)";

    private SpinlockChecks() {
    }

    public static List<Check> all() {
        return List.of(
                new LincheckCheck(SPINLOCK, "mutex-mc", P6, Expect.HOLDS, LockedCounter.class,
                        () -> mutex(LockedCounter.class, true)),
                new LincheckCheck(SPINLOCK, "mutex-cmpxchg-lock-mc", P6, Expect.HOLDS,
                        SeededLockedCounters.CmpxchgLock.class,
                        () -> mutex(SeededLockedCounters.CmpxchgLock.class, false)),
                new LincheckCheck(SPINLOCK, "seeded-double-unlock", P6, Expect.CATCHES_BUG,
                        SeededLockedCounters.NoOwnerCheck.class,
                        () -> racing(SeededLockedCounters.NoOwnerCheck.class, doubleUnlock(SeededLockedCounters.NoOwnerCheck.class))),
                new LincheckCheck(SPINLOCK, "seeded-foreign-unlock", P6, Expect.CATCHES_BUG,
                        SeededLockedCounters.NoOwnerCheck.class,
                        () -> racing(SeededLockedCounters.NoOwnerCheck.class, foreignUnlock(SeededLockedCounters.NoOwnerCheck.class))),
                new LincheckCheck(SPINLOCK, "seeded-xadd-without-lock-prefix", P6, Expect.CATCHES_BUG,
                        SeededLockedCounters.XaddWithoutLockPrefix.class,
                        () -> racing(SeededLockedCounters.XaddWithoutLockPrefix.class,
                                twoIncrements(SeededLockedCounters.XaddWithoutLockPrefix.class))),
                new LincheckCheck(SPINLOCK, "fifo-mc", P7, Expect.HOLDS, FifoLock.Ticket.class,
                        () -> fifo(FifoLock.Ticket.class)),
                new LincheckCheck(SPINLOCK, "seeded-fifo-cmpxchg-lock", P7, Expect.CATCHES_BUG, FifoLock.Cmpxchg.class,
                        () -> fifo(FifoLock.Cmpxchg.class)),
                new ScenarioCheck(SPINLOCK, "r1-softirq-lock-bh", R1, Expect.HOLDS,
                        () -> LockdepScenarios.softirqUser(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r1-softirq-plain-lock", R1, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.softirqUser(true)),
                new ScenarioCheck(SPINLOCK, "r1-hardirq-lock-irqsave", R1, Expect.HOLDS,
                        () -> LockdepScenarios.hardirqUser(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r1-hardirq-lock-bh", R1, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.hardirqUser(true)),
                new ScenarioCheck(SPINLOCK, "r2-nested-irqsave", R2, Expect.HOLDS,
                        () -> LockdepScenarios.nestedIrqPath(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r2-unlock-irq-with-irqs-off", R2, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.nestedIrqPath(true)),
                new ScenarioCheck(SPINLOCK, "r3-end-request-locked", R3, Expect.HOLDS,
                        () -> LockdepScenarios.endRequestUnderQueueLock(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r3-blk-end-request-all-under-lock", R3, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.endRequestUnderQueueLock(true)),
                new ScenarioCheck(SPINLOCK, "r4-alloc-before-lock", R4, Expect.HOLDS,
                        () -> LockdepScenarios.allocUnderLock(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r4-alloc-under-lock", R4, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.allocUnderLock(true)),
                new ScenarioCheck(SPINLOCK, "r5-one-lock-order", R5, Expect.HOLDS,
                        () -> LockdepScenarios.lockOrder(false)),
                new ScenarioCheck(SPINLOCK, "seeded-r5-abba", R5, Expect.CATCHES_BUG,
                        () -> LockdepScenarios.lockOrder(true)));
    }

    /**
     * Three increments racing, then (for the ticket lock) both hand-written misuse races, which the
     * debug owner check must make harmless. No random scenarios: each invocation runs three tasks
     * through the simulated kernel, and these three races are the ones that matter.
     */
    private static Options<?, ?> mutex(Class<?> testClass, boolean misuses) {
        ModelCheckingOptions o = new ModelCheckingOptions().iterations(0).invocationsPerIteration(120)
                .sequentialSpecification(CounterSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("lockedIncrement", 0))
                        .thread(call("lockedIncrement", 1))
                        .thread(call("lockedIncrement", 2))
                        .build());
        if (misuses) {
            o.addCustomScenario(doubleUnlock(testClass).build()).addCustomScenario(foreignUnlock(testClass).build());
        }
        return o;
    }

    /** A double unlock while two others wait: the second unlock would hand the lock to the third task. */
    private static Scenarios doubleUnlock(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("doubleUnlock", 0))
                .thread(call("lockedIncrement", 1))
                .thread(call("lockedIncrement", 2));
    }

    /** An unlock by a non-holder while the holder is inside and another task waits. */
    private static Scenarios foreignUnlock(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("lockedIncrement", 0))
                .thread(call("foreignUnlock", 1))
                .thread(call("lockedIncrement", 2));
    }

    private static Scenarios twoIncrements(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("lockedIncrement", 0))
                .thread(call("lockedIncrement", 1))
                .post(call("lockedIncrement", 0));
    }

    /** Three tasks arrive, then enter: the only scenario in which every arrival is followed by its entry. */
    private static Options<?, ?> fifo(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(1500)
                .sequentialSpecification(FifoSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("arrive", 0), call("enter", 0))
                        .thread(call("arrive", 1), call("enter", 1))
                        .thread(call("arrive", 2), call("enter", 2))
                        .build());
    }

    /** Model checking of one hand-written race only. */
    private static Options<?, ?> racing(Class<?> testClass, Scenarios scenario) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(500)
                .sequentialSpecification(CounterSpec.class)
                .addCustomScenario(scenario.build());
    }
}
