package dev.mybrd.lincheck.requestmode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request-mode and softirq chapters' checks alone, for working on them: each verdict must be the
 * expected one; {@code -Donly=REGEX} keeps the checks whose name it finds (e.g. {@code -Donly=batch}).
 * Its name does not end in "Test", so {@code mvn verify} leaves it to CatalogTest, which runs the same
 * checks; run it with {@code mvn -pl lincheck -am test -Dtest=RequestModeChecksRun -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dtrace=true} prints each check's detail, the traces of the seeded bugs).
 */
class RequestModeChecksRun {
    static Stream<Check> checks() {
        String only = System.getProperty("only", "");
        Pattern p = Pattern.compile(only);
        return RequestModeChecks.all().stream().filter(c -> p.matcher(c.name()).find());
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
