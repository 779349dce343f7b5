package dev.mybrd.lincheck.ramdisk;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;

/** The Lincheck checks of the ramdisk chapter, with their budgets. */
public final class RamDiskChecks {
    private static final String RAMDISK = Catalog.RAMDISK;

    private RamDiskChecks() {
    }

    public static List<Check> all() {
        String lin = "P3/P4 per-sector linearizability";
        return List.of(
                new LincheckCheck(RAMDISK, "per-sector-mc", lin, Expect.HOLDS, PerSectorRamDisk.class,
                        () -> perSectorModel(PerSectorRamDisk.class, 2)),
                new LincheckCheck(RAMDISK, "per-sector-stress", lin, Expect.HOLDS, PerSectorRamDisk.class,
                        () -> new StressOptions().iterations(20).invocationsPerIteration(500)
                                .threads(3).actorsPerThread(2).actorsBefore(1).actorsAfter(2)
                                .sequentialSpecification(RamDiskSpec.class)),
                new LincheckCheck(RAMDISK, "two-page-bio-tears", "multi-page bio is not atomic (PS5)",
                        Expect.SHOWS_BEHAVIOUR, TwoPageRamDisk.class,
                        () -> racing(TwoPageRamDisk.class, Scenarios.of(TwoPageRamDisk.class)
                                .initial(call("writeAcross", 3, 1))
                                .thread(call("writeAcross", 0, 2))
                                .thread(call("readAcross", 1)))),
                new LincheckCheck(RAMDISK, "seeded-insert-without-lock", lin, Expect.CATCHES_BUG,
                        SeededRamDisks.InsertWithoutLock.class,
                        () -> perSectorModel(SeededRamDisks.InsertWithoutLock.class)),
                new LincheckCheck(RAMDISK, "seeded-insert-without-recheck", lin, Expect.CATCHES_BUG,
                        SeededRamDisks.InsertWithoutRecheck.class,
                        () -> perSectorModel(SeededRamDisks.InsertWithoutRecheck.class)),
                new LincheckCheck(RAMDISK, "seeded-zero-after-publish", "P5 no uninitialised page seen",
                        Expect.CATCHES_BUG, SeededRamDisks.ZeroAfterPublish.class,
                        () -> perSectorModel(SeededRamDisks.ZeroAfterPublish.class)),
                new LincheckCheck(RAMDISK, "seeded-mybrd-two-page-setup", "P3 writes land (spec 2.8 item 10)",
                        Expect.CATCHES_BUG, SeededRamDisks.MybrdTwoPageSetup.class,
                        () -> racing(SeededRamDisks.MybrdTwoPageSetup.class,
                                Scenarios.of(SeededRamDisks.MybrdTwoPageSetup.class)
                                        .thread(call("write", 0, 0, 1))
                                        .thread(call("writeAcross", 1, 2)))));
    }

    /**
     * Model checking of the per-sector operations: the first-write race on one page (two writers of
     * different sectors, then both read back, and a reader racing the first writer), then random
     * scenarios.
     */
    private static Options<?, ?> perSectorModel(Class<?> testClass) {
        return perSectorModel(testClass, 5);
    }

    /**
     * The same with {@code iterations} random scenarios. The correct model gets fewer (it is explored
     * to the end of every budget, so each costs its full 100 invocations); a seeded bug stops the run at
     * its first counterexample, so its budget only bounds how long it may take to find one.
     */
    private static Options<?, ?> perSectorModel(Class<?> testClass, int iterations) {
        return new ModelCheckingOptions().iterations(iterations).invocationsPerIteration(100)
                .threads(2).actorsPerThread(2).actorsBefore(1).actorsAfter(2)
                .sequentialSpecification(RamDiskSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("write", 0, 0, 1))
                        .thread(call("write", 1, 1, 2))
                        .post(call("read", 3, 0), call("read", 3, 1))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("write", 0, 2, 3))
                        .thread(call("read", 1, 2))
                        .build());
    }

    /** Model checking of one hand-written race only. */
    private static Options<?, ?> racing(Class<?> testClass, Scenarios scenario) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(2000)
                .sequentialSpecification(RamDiskSpec.class)
                .addCustomScenario(scenario.build());
    }
}
