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
        return List.of(
                new LincheckCheck(CHAPTER, "no-lost-wakeup-mc", p11, Expect.HOLDS, FlagWakeUp.class,
                        () -> wakeUpRaces(FlagWakeUp.class)),
                new LincheckCheck(CHAPTER, "seeded-test-before-register", p11, Expect.CATCHES_BUG,
                        SeededFlagWakeUps.TestBeforeRegister.class,
                        () -> wakeUpRaces(SeededFlagWakeUps.TestBeforeRegister.class)),
                new ScenarioCheck(CHAPTER, "wake-up-nr", p12, Expect.HOLDS,
                        () -> WakeUpNrScenario.run(Set.of())),
                new ScenarioCheck(CHAPTER, "seeded-exclusive-at-head", p12, Expect.CATCHES_BUG,
                        () -> WakeUpNrScenario.run(Set.of(WaitBug.EXCLUSIVE_AT_HEAD))));
    }

    /**
     * Model checking of hand-written races only: one waiter against the waker, then two waiters
     * against it. About 10-20 ms an invocation here, so 200 each.
     */
    private static Options<?, ?> wakeUpRaces(Class<? extends FlagWakeUp> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(200)
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
