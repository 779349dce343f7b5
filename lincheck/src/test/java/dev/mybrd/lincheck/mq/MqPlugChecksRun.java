package dev.mybrd.lincheck.mq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plug and accounting checks alone, each with its expected verdict (a seeded bug must be caught).
 * Not named "Test": {@code mvn verify} runs the same checks through CatalogTest; run it with
 * {@code mvn -pl lincheck -am test -Dtest=MqPlugChecksRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class MqPlugChecksRun {
    static Stream<Check> checks() {
        String only = System.getProperty("only", "");
        return MqPlugChecks.all().stream().filter(c -> c.name().contains(only));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-40s %-12s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail().lines().limit(12).reduce("", (a, b) -> a + b + "\n"));
        }
        assertThat(r.verdict().ok())
                .as("%s expected %s but was %s; reproduce with: %s%n%s", r.name(), r.expect(), r.verdict(),
                        r.reproduce(), r.detail())
                .isTrue();
    }
}
