package dev.mybrd.lincheck.requestmode;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.block.BlkBug;
import java.util.Set;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.ramdisk.RamDiskSpec;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The Lincheck checks of the request-mode and softirq chapters, with their budgets. Invocations of
 * the request-mode disk are dearer than bio-mode's (queue lock, elevator, request list, softirq), so
 * the checks run hand-written races that carry each property, and few random scenarios.
 */
public final class RequestModeChecks {
    private static final String RQ = Catalog.REQUEST_MODE;
    private static final String SOFTIRQ = Catalog.SOFTIRQ;

    private static final int INVOCATIONS = 5;
    private static final int WOKEN_INVOCATIONS = 5;

    private RequestModeChecks() {
    }

    public static List<Check> all() {
        String lin = "P3/P1 per-sector linearizability, each bio ends once";
        String merge = "P21 no merge into a started request";
        String p14 = "P14 get_request sleeper is woken";
        String p17 = "P17/P1 each request completed once";
        String p27 = "P27/P3 success means the data moved";
        String p13 = "P13 batching: FULL admits batchers, cap 1.5 x nr";
        String woken = "P14 a woken get_request sleeper gets its request";
        return List.of(
                new LincheckCheck(RQ, "per-sector-mc", lin, Expect.HOLDS, PerSectorRqDisk.class,
                        () -> perSector(PerSectorRqDisk.class, 0)),
                new ScenarioCheck(RQ, "no-merge-into-started", merge, Expect.HOLDS,
                        () -> MergeIntoStartedScenario.run(Set.of())),
                new ScenarioCheck(RQ, "seeded-merge-into-started", merge, Expect.CATCHES_BUG,
                        () -> MergeIntoStartedScenario.run(Set.of(BlkBug.MERGE_INTO_STARTED))),
                new LincheckCheck(RQ, "get-request-wakeup-mc", p14, Expect.HOLDS, GetRequestSleeper.class,
                        () -> sleeper(GetRequestSleeper.class)),
                new LincheckCheck(RQ, "seeded-register-after-unlock", p14, Expect.CATCHES_BUG,
                        SeededGetRequestSleeper.class, () -> sleeper(SeededGetRequestSleeper.class)),
                new ScenarioCheck(RQ, "batching-limits", p13, Expect.HOLDS,
                        () -> BatchingLimitsScenario.run(Set.of())),
                new ScenarioCheck(RQ, "seeded-batching-uncapped", p13, Expect.CATCHES_BUG,
                        () -> BatchingLimitsScenario.run(Set.of(BlkBug.BATCHING_UNCAPPED))),
                new ScenarioCheck(RQ, "woken-sleeper-batches", woken, Expect.HOLDS,
                        () -> WokenSleeperScenario.run(Set.of())),
                new ScenarioCheck(RQ, "seeded-woken-sleeper-not-batching", woken, Expect.CATCHES_BUG,
                        () -> WokenSleeperScenario.run(Set.of(BlkBug.WOKEN_SLEEPER_NOT_BATCHING))),
                new LincheckCheck(RQ, "woken-sleeper-batches-mc", woken, Expect.HOLDS, WokenSleeperBatcher.class,
                        () -> wokenSleeper(WokenSleeperBatcher.class)),
                new LincheckCheck(RQ, "seeded-woken-sleeper-not-batching-mc", woken, Expect.CATCHES_BUG,
                        SeededWokenSleeperBatcher.class, () -> wokenSleeper(SeededWokenSleeperBatcher.class)),
                new LincheckCheck(SOFTIRQ, "per-sector-softirq-mc", lin, Expect.HOLDS, SeededRqDisks.Softirq.class,
                        () -> perSector(SeededRqDisks.Softirq.class, 0)),
                new LincheckCheck(SOFTIRQ, "seeded-double-completion", p17, Expect.CATCHES_BUG,
                        SeededRqDisks.DoubleCompletion.class,
                        () -> perSector(SeededRqDisks.DoubleCompletion.class, 0)),
                new LincheckCheck(SOFTIRQ, "seeded-done-without-transfer", p27, Expect.CATCHES_BUG,
                        SeededRqDisks.SoftirqDoneNoTransfer.class,
                        () -> perSector(SeededRqDisks.SoftirqDoneNoTransfer.class, 0)));
    }

    /**
     * Model checking of the per-sector operations: two contiguous writes from two CPUs (they may
     * merge, one CPU's request_fn may end the other's bio, and in softirq mode the completion comes
     * back to the submitting CPU through an IPI), read back after; then {@code iterations} random
     * scenarios. An invocation costs about a second here, so the budget is small.
     */
    private static Options<?, ?> perSector(Class<?> testClass, int iterations) {
        return new ModelCheckingOptions().iterations(iterations).invocationsPerIteration(INVOCATIONS)
                .threads(2).actorsPerThread(2).actorsBefore(0).actorsAfter(1)
                .sequentialSpecification(RamDiskSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("write", 0, 0, 1))
                        .thread(call("write", 1, 1, 2))
                        .post(call("read", 3, 0), call("read", 3, 1))
                        .build());
    }

    /**
     * Model checking of a get_request sleeper against a task that frees one request and takes one. The
     * deterministic {@link WokenSleeperScenario} carries the race; these few invocations let the model
     * checker move the driver's free and allocation around the sleeper's wake-up, and the seeded bug is
     * caught in the first.
     */
    private static Options<?, ?> wokenSleeper(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(WOKEN_INVOCATIONS)
                .sequentialSpecification(WokenSleeperBatcherSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("sleeper"))
                        .thread(call("driver"))
                        .build());
    }

    /** Model checking of one submitter against one completion. */
    private static Options<?, ?> sleeper(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(30)
                .sequentialSpecification(GetRequestSleeperSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("submit", 0))
                        .thread(call("complete", 1))
                        .build());
    }
}
