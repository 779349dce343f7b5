package dev.mybrd.lincheck.waitqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wait-queue chapter's checks alone, for working on the chapter: each verdict must be the expected one.
 * Its name does not end in "Test", so {@code mvn verify} leaves it to CatalogTest, which runs the same
 * checks; run it with {@code mvn -pl lincheck -am test -Dtest=WaitQueueChecksRun -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dtrace=true} prints each check's detail, the traces of the seeded bugs).
 */
class WaitQueueChecksRun {
    static Stream<Check> checks() {
        return WaitQueueChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-34s %-12s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (Boolean.getBoolean("trace") && !r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s expected %s but was %s; reproduce with: %s%n%s", r.name(), r.expect(), r.verdict(),
                        r.reproduce(), r.detail())
                .isTrue();
    }
}
