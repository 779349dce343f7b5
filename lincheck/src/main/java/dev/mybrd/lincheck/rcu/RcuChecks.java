package dev.mybrd.lincheck.rcu;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.rcu.RcuBug;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/** The checks of the rcu chapter, with their budgets. */
public final class RcuChecks {
    private static final String RCU = Catalog.RCU;
    private static final String P5 = "P5 publish/subscribe (rcu_assign_pointer/rcu_dereference)";
    private static final String P9 = "P9 grace period: no reader sees a freed object";
    private static final String P10 = "P10 call_rcu: each callback once, after a grace period";
    private static final String P25 = "P25 no sleeping in an RCU read-side section";

    private RcuChecks() {
    }

    public static List<Check> all() {
        List<Check> checks = new ArrayList<>();
        checks.add(lincheck("publish-mc", P5, Expect.HOLDS, PublishFoo.class, RcuChecks::publishModel));
        checks.add(lincheck("seeded-publish-before-init", P5, Expect.CATCHES_BUG, SeededFoos.PublishBeforeInit.class,
                RcuChecks::publishModel));
        checks.add(lincheck("grace-period-mc", P9, Expect.HOLDS, SynchronizeFoo.class, RcuChecks::synchronizeModel));
        checks.add(lincheck("seeded-free-without-gp", P9, Expect.CATCHES_BUG, SeededFoos.FreeWithoutGracePeriod.class,
                RcuChecks::synchronizeModel));
        checks.add(new ScenarioCheck(RCU, "late-reader-sync", P9, Expect.HOLDS,
                () -> LateReaderRaces.synchronize(EnumSet.noneOf(RcuBug.class))));
        checks.add(new ScenarioCheck(RCU, "seeded-joins-current-gp-sync", P9, Expect.CATCHES_BUG,
                () -> LateReaderRaces.synchronize(EnumSet.of(RcuBug.CALLBACK_JOINS_CURRENT_GP))));
        checks.add(lincheck("call-rcu-mc", P10, Expect.HOLDS, CallRcuFoo.class, RcuChecks::callRcuModel));
        checks.add(lincheck("seeded-done-segment-not-spliced", P10, Expect.CATCHES_BUG,
                SeededFoos.DoneSegmentNotSpliced.class, RcuChecks::callRcuModel));
        checks.add(new ScenarioCheck(RCU, "late-reader-call-rcu", P10, Expect.HOLDS,
                () -> LateReaderRaces.callRcu(EnumSet.noneOf(RcuBug.class))));
        checks.add(new ScenarioCheck(RCU, "seeded-joins-current-gp-call-rcu", P10, Expect.CATCHES_BUG,
                () -> LateReaderRaces.callRcu(EnumSet.of(RcuBug.CALLBACK_JOINS_CURRENT_GP))));
        checks.addAll(RcuScenarios.all());
        return checks;
    }

    private static LincheckCheck lincheck(String name, String property, Expect expect, Class<?> testClass,
                                          java.util.function.Function<Class<?>, Options<?, ?>> options) {
        return new LincheckCheck(RCU, name, property, expect, testClass, () -> options.apply(testClass));
    }

    /** A publisher and a reader on two CPUs. */
    private static Options<?, ?> publishModel(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(100)
                .sequentialSpecification(PublishSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("publish", 0))
                        .thread(call("read", 1))
                        .build());
    }

    /**
     * An updater against a reader that may hold the object being replaced, then a reader after
     * both; and two updates against two reads.
     */
    private static Options<?, ?> synchronizeModel(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(100)
                .sequentialSpecification(FooSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("update", 0))
                        .thread(call("read", 1))
                        .post(call("read", 2))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("update", 0), call("update", 0))
                        .thread(call("read", 1), call("read", 1))
                        .build());
    }

    /**
     * Two retires on one CPU against a reader, then {@code rcu_barrier}: the second retire's
     * {@code RCU_SOFTIRQ} invokes the first callback while the second one waits behind it.
     */
    private static Options<?, ?> callRcuModel(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(150)
                .sequentialSpecification(FooSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("retire", 0))
                        .thread(call("retire", 0))
                        .thread(call("read", 1))
                        .post(call("barrier", 2))
                        .build());
    }
}
