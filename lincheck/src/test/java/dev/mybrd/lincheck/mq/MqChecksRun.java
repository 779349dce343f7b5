package dev.mybrd.lincheck.mq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mq chapter's checks alone, for working on the chapter: each verdict must be the expected one.
 * Its name does not end in "Test", so {@code mvn verify} leaves it to CatalogTest, which runs the same
 * checks; run it with {@code mvn -pl lincheck test -Dtest=MqChecksRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class MqChecksRun {
    static Stream<Check> checks() {
        return MqChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-40s %-12s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s expected %s but was %s; reproduce with: %s%n%s", r.name(), r.expect(), r.verdict(),
                        r.reproduce(), r.detail())
                .isTrue();
    }
}
