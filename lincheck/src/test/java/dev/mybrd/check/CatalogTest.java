package dev.mybrd.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every catalogued Lincheck check and asserts its verdict: properties hold on the model, seeded
 * bugs are caught, documented behaviour is shown. A seeded bug's trace is printed, so the log shows
 * the interleaving that breaks the property.
 */
class CatalogTest {
    static Stream<Check> checks() {
        return Catalog.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-34s %-16s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s/%s expected %s but was %s; reproduce with: %s%n%s", r.chapter(), r.name(), r.expect(),
                        r.verdict(), r.reproduce(), r.detail())
                .isTrue();
    }
}
