package dev.mybrd.lincheck.mqtags;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/** The Lincheck checks of the blk-mq tag chapter, with their budgets. */
public final class MqTagsChecks {
    private static final String CHAPTER = Catalog.MQ_TAGS;

    private MqTagsChecks() {
    }

    public static List<Check> all() {
        String p15 = "P15 unique tags, #held <= depth";
        String p16 = "P16 a sleeper in bt_get gets a tag";
        return List.of(
                new LincheckCheck(CHAPTER, "unique-tags-mc", p15, Expect.HOLDS, TagSet.class,
                        () -> allocatorRaces(TagSet.class)),
                new LincheckCheck(CHAPTER, "seeded-nonatomic-test-and-set", p15, Expect.CATCHES_BUG,
                        SeededTags.NonAtomicTestAndSet.class,
                        () -> allocatorRaces(SeededTags.NonAtomicTestAndSet.class)),
                new LincheckCheck(CHAPTER, "sleeper-gets-tag-mc", p16, Expect.HOLDS, SleepingTags.class,
                        () -> sleeperRaces(SleepingTags.class)),
                new LincheckCheck(CHAPTER, "seeded-retry-before-prepare", p16, Expect.CATCHES_BUG,
                        SeededTags.RetryBeforePrepare.class,
                        () -> sleeperRaces(SeededTags.RetryBeforePrepare.class)),
                new LincheckCheck(CHAPTER, "seeded-update-depth-no-wake", p16, Expect.CATCHES_BUG,
                        SeededTags.UpdateDepthNoWake.class,
                        () -> sleeperRaces(SeededTags.UpdateDepthNoWake.class)));
    }

    /**
     * Two allocators from hint 0 (the race for one bit), then two allocators against a free of a tag
     * held since the start. Hand-written scenarios only; about 150 ms an invocation here under load, so 150 each.
     */
    private static Options<?, ?> allocatorRaces(Class<? extends TagSet> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(150)
                .sequentialSpecification(TagSetSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("get", 0))
                        .thread(call("get", 1))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("get", 0), call("get", 3))
                        .thread(call("put", 0))
                        .thread(call("get", 1))
                        .thread(call("get", 2))
                        .build());
    }

    /**
     * The map is full (CPU 0 holds the only tag): a sleeper against the free of that tag; a sleeper
     * against the depth growing to 2; two sleepers that each free their tag, against the first free. 100 invocations each.
     */
    private static Options<?, ?> sleeperRaces(Class<? extends SleepingTags> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(100)
                .sequentialSpecification(SleepingTagsSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("getBlocking", 0))
                        .thread(call("getBlocking", 1))
                        .thread(call("put", 0))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("getBlocking", 0))
                        .thread(call("getBlocking", 1))
                        .thread(call("grow", 2))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("getBlocking", 0))
                        .thread(call("getBlocking", 1), call("put", 1))
                        .thread(call("getBlocking", 2), call("put", 2))
                        .thread(call("put", 0))
                        .build());
    }
}
