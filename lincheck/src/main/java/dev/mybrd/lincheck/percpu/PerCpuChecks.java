package dev.mybrd.lincheck.percpu;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.driver.Bug;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The checks of the per-cpu chapter, with their budgets: P19 on the RAM disk after a bounded run
 * (scenario) and on the counters themselves (model checking), P20 (model checking), in_flight never
 * negative with v4.4's atomics and later kernels' per-CPU copies (KR-19), and the racy stamp.
 */
public final class PerCpuChecks {
    private static final String PER_CPU = Catalog.PER_CPU;
    private static final String P19_DISK = "P19 stat file exact at quiescence";
    private static final String P19_P20 = "P19/P20 per-CPU sums bounded, exact at quiescence";
    private static final String IN_FLIGHT = "P19(c) in_flight never reads negative";

    private PerCpuChecks() {
    }

    public static List<Check> all() {
        return List.of(
                new ScenarioCheck(PER_CPU, "quiescent-stat-file", P19_DISK, Expect.HOLDS,
                        () -> QuiescentRun.run(null)),
                new ScenarioCheck(PER_CPU, "seeded-in-flight-leak", P19_DISK, Expect.CATCHES_BUG,
                        () -> QuiescentRun.run(Bug.IN_FLIGHT_LEAK_ON_ERROR)),
                new LincheckCheck(PER_CPU, "sum-bounds-mc", P19_P20, Expect.HOLDS, StatCounters.class,
                        () -> counters(StatCounters.class)),
                new LincheckCheck(PER_CPU, "same-cpu-turns-mc", P19_P20, Expect.HOLDS, StatCounters.class,
                        () -> sameCpu(StatCounters.class, 40)),
                new LincheckCheck(PER_CPU, "seeded-update-without-get-cpu", P19_P20, Expect.CATCHES_BUG,
                        StatCounters.WithoutGetCpu.class, () -> sameCpu(StatCounters.WithoutGetCpu.class, 60)),
                new LincheckCheck(PER_CPU, "in-flight-v44-mc", IN_FLIGHT, Expect.HOLDS,
                        InFlightReader.V44.class, () -> straddle(InFlightReader.V44.class)),
                new LincheckCheck(PER_CPU, "in-flight-percpu-clamped-mc", IN_FLIGHT, Expect.HOLDS,
                        InFlightReader.PerCpuClamped.class, () -> straddle(InFlightReader.PerCpuClamped.class)),
                new LincheckCheck(PER_CPU, "seeded-kr19-percpu-raw-sum", IN_FLIGHT, Expect.CATCHES_BUG,
                        InFlightReader.PerCpuRaw.class, () -> straddle(InFlightReader.PerCpuRaw.class)),
                new LincheckCheck(PER_CPU, "round-stats-stamp-race", "io_ticks may exceed wall time (racy stamp)",
                        Expect.SHOWS_BEHAVIOUR, RoundStatsStamp.class,
                        () -> racing(Scenarios.of(RoundStatsStamp.class)
                                .thread(call("round", 0))
                                .thread(call("round", 1))
                                .post(call("ioTicks")))));
    }

    /**
     * Model checking of the counters with each task on its own CPU: a reader racing two updaters on
     * different CPUs, then random scenarios.
     */
    private static Options<?, ?> counters(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(2).invocationsPerIteration(50)
                .threads(2).actorsPerThread(2).actorsBefore(0).actorsAfter(1)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("account", 0), call("account", 1))
                        .thread(call("readIos"), call("readIos"))
                        .build());
    }

    /**
     * Model checking of the lost-update race: two tasks that both start on CPU 0, then a reader. A
     * task waiting for a busy CPU spins, and the model checker pays for every spin it explores, so
     * this scenario gets a budget of its own.
     */
    private static Options<?, ?> sameCpu(Class<?> testClass, int invocations) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("account", 0))
                        .thread(call("account", 0))
                        .post(call("readIos"))
                        .build());
    }

    /** Model checking of one I/O that starts on CPU 0 and ends on CPU 1 against one reader. */
    private static Options<?, ?> straddle(Class<?> testClass) {
        return racing(Scenarios.of(testClass).thread(call("io")).thread(call("negative")));
    }

    /** Model checking of one hand-written race only. */
    private static Options<?, ?> racing(Scenarios scenario) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(150)
                .addCustomScenario(scenario.build());
    }
}
