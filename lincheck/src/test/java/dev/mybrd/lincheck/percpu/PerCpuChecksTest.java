package dev.mybrd.lincheck.percpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-cpu chapter's checks alone (the full suite runs them through {@code CatalogTest}): each
 * verdict must be the expected one, and the trace of each seeded bug is printed.
 */
class PerCpuChecksTest {
    static Stream<Check> checks() {
        return PerCpuChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CheckResult r = check.run();
        System.out.printf("PERCPU %-34s %-16s %-7s %6d ms%n", r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok()).as("%s expected %s but was %s%n%s", r.name(), r.expect(), r.verdict(),
                r.detail()).isTrue();
    }
}
