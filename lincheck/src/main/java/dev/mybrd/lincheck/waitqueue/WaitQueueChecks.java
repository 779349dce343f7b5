package dev.mybrd.lincheck.waitqueue;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/** The Lincheck checks of the wait-queue chapter, with their budgets. */
public final class WaitQueueChecks {
    private static final String CHAPTER = Catalog.WAIT_QUEUE;

    private WaitQueueChecks() {
    }

    public static List<Check> all() {
        String p11 = "P11 no lost wake-up (register-then-test, set-mb-wake)";
        // The P12 scenario (WakeUpNrScenario) is out of the catalog: it reads who was woken from task
        // states after wake_up_nr returns, and a woken non-exclusive waiter can loop and sleep again
        // before that read, so it failed once on the correct model. It needs to read the states under
        // the wait-queue lock (__wake_up_locked) before it can gate.
        return List.of(
                new LincheckCheck(CHAPTER, "no-lost-wakeup-mc", p11, Expect.HOLDS, FlagWakeUp.class,
                        () -> wakeUpRaces(FlagWakeUp.class)),
                new LincheckCheck(CHAPTER, "seeded-test-before-register", p11, Expect.CATCHES_BUG,
                        SeededFlagWakeUps.TestBeforeRegister.class,
                        () -> wakeUpRaces(SeededFlagWakeUps.TestBeforeRegister.class)));
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
