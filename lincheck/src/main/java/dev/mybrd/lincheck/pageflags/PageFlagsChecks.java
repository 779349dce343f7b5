package dev.mybrd.lincheck.pageflags;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The Lincheck checks of the page-flags chapter: the atomic bit operations on one word are
 * linearizable (no update of one bit loses another), and the same check catches the non-atomic
 * double-underscore forms used without exclusion.
 */
public final class PageFlagsChecks {
    private static final String PAGE_FLAGS = Catalog.PAGE_FLAGS;
    private static final String PROPERTY = "bitops: no lost bit update (page-flags.md)";

    private PageFlagsChecks() {
    }

    public static List<Check> all() {
        return List.of(
                new LincheckCheck(PAGE_FLAGS, "bitops-mc", PROPERTY, Expect.HOLDS, FlagWord.class,
                        () -> bitops(FlagWord.class, true)),
                new LincheckCheck(PAGE_FLAGS, "seeded-nonatomic-bitops", PROPERTY, Expect.CATCHES_BUG,
                        FlagWord.NonAtomic.class, () -> bitops(FlagWord.NonAtomic.class, false)));
    }

    /**
     * Two updates of different bits of one word, then the word read back: clear vs set (the race the
     * double-underscore rule is about), set vs set; then, for the correct word, a few random scenarios
     * over all the operations.
     */
    private static Options<?, ?> bitops(Class<?> testClass, boolean random) {
        return new ModelCheckingOptions().iterations(random ? 6 : 0).invocationsPerIteration(random ? 100 : 500)
                .threads(2).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .sequentialSpecification(FlagWordSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .initial(call("setBit", 0))
                        .thread(call("clearBit", 0))
                        .thread(call("setBit", 1))
                        .post(call("word"))
                        .build())
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("setBit", 0))
                        .thread(call("setBit", 1))
                        .post(call("word"))
                        .build());
    }
}
