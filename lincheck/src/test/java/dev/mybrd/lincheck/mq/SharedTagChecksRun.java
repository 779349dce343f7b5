package dev.mybrd.lincheck.mq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared-tag checks of the mq chapter alone, for working on them: each verdict must be the
 * expected one (a seeded bug caught, v4.4's leak shown). Left to CatalogTest in {@code mvn verify}; run
 * it with {@code mvn -pl lincheck -am test -Dtest=SharedTagChecksRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SharedTagChecksRun {
    static Stream<Check> checks() {
        return SharedTagChecks.all().stream();
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
