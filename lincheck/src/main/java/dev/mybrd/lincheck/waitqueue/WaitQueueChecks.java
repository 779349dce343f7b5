package dev.mybrd.lincheck.waitqueue;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.sched.WaitBug;
import java.util.List;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/** The Lincheck checks of the wait-queue chapter, with their budgets. */
public final class WaitQueueChecks {
    private static final String CHAPTER = Catalog.WAIT_QUEUE;

    private WaitQueueChecks() {
    }

    public static List<Check> all() {
        String p11 = "P11 no lost wake-up (register-then-test, set-mb-wake)";
        String p12 = "P12 wake_up_nr wakes all shared, <=nr exclusive";
        String completion = "W1 each complete() lets one waiter through";
        String abort = "W1 abort_exclusive_wait passes the wake-up on";
        return List.of(
                new LincheckCheck(CHAPTER, "no-lost-wakeup-mc", p11, Expect.HOLDS, FlagWakeUp.class,
                        () -> wakeUpRaces(FlagWakeUp.class, 120)),
                new LincheckCheck(CHAPTER, "seeded-test-before-register", p11, Expect.CATCHES_BUG,
                        SeededFlagWakeUps.TestBeforeRegister.class,
                        () -> wakeUpRaces(SeededFlagWakeUps.TestBeforeRegister.class, 200)),
                new ScenarioCheck(CHAPTER, "wake-up-nr", p12, Expect.HOLDS,
                        () -> WakeUpNrScenario.run(Set.of())),
                new ScenarioCheck(CHAPTER, "seeded-exclusive-at-head", p12, Expect.CATCHES_BUG,
                        () -> WakeUpNrScenario.run(Set.of(WaitBug.EXCLUSIVE_AT_HEAD))),
                new LincheckCheck(CHAPTER, "completion-mc", completion, Expect.HOLDS, CompletionWaiters.class,
                        () -> completionRaces(CompletionWaiters.class)),
                new LincheckCheck(CHAPTER, "seeded-completion-test-without-lock", completion, Expect.CATCHES_BUG,
                        CompletionWaiters.TestWithoutLock.class,
                        () -> completionRaces(CompletionWaiters.TestWithoutLock.class)),
                new LincheckCheck(CHAPTER, "abort-exclusive-wait-mc", abort, Expect.HOLDS, KillableBitLock.class,
                        () -> abortRace(KillableBitLock.class)),
                new LincheckCheck(CHAPTER, "seeded-abort-without-pass-on", abort, Expect.CATCHES_BUG,
                        KillableBitLock.AbortWithoutPassOn.class,
                        () -> abortRace(KillableBitLock.AbortWithoutPassOn.class)));
    }

    /**
     * Completions: a waiter against a {@code complete()}, two waiters against two, two against one
     * {@code complete_all()}. 100 invocations each: about 10 s in all on a quiet machine (the three-thread
     * scenarios cost most); the seeded bug is found in the first scenario within a few dozen.
     */
    private static Options<?, ?> completionRaces(Class<? extends CompletionWaiters> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(60)
                .sequentialSpecification(CompletionWaitersSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("waitForCompletion", 0))
                        .thread(call("complete", 1))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("waitForCompletion", 0))
                        .thread(call("waitForCompletion", 2))
                        .thread(call("complete", 1), call("complete", 1))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("waitForCompletion", 0))
                        .thread(call("waitForCompletion", 2))
                        .thread(call("completeAll", 1))
                        .build());
    }

    /**
     * The killable bit lock: two lockers, A killable, against the end of the I/O and A's kill. 250
     * invocations, about 8 s on a quiet machine; the seeded bug is found within about 2 s.
     */
    private static Options<?, ?> abortRace(Class<? extends KillableBitLock> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(250)
                .sequentialSpecification(KillableBitLockSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("lockKillable", 0))
                        .thread(call("lock", 2))
                        .thread(call("unlockThenKill", 1))
                        .build());
    }

    /**
     * Model checking of hand-written races only: one waiter against the waker, then two waiters
     * against it. About 10-20 ms an invocation here, so 200 each.
     */
    private static Options<?, ?> wakeUpRaces(Class<? extends FlagWakeUp> testClass, int invocations) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                .sequentialSpecification(FlagWakeUpSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("waitForFlag", 0))
                        .thread(call("setFlagAndWake", 1))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("waitForFlag", 0))
                        .thread(call("waitForFlag", 2))
                        .thread(call("setFlagAndWake", 1))
                        .build());
    }
}
