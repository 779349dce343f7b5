package dev.mybrd.lincheck.ida;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.lang.management.ManagementFactory;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ida chapter's checks alone, with their verdicts and times (CatalogTest runs them all). Besides
 * the wall time it prints the process CPU time each check used, which on a shared machine says more
 * about its cost than the wall time does.
 */
class IdaChecksTest {
    static Stream<Check> checks() {
        return IdaChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        long cpu = processCpuNanos();
        CheckResult r = check.run();
        long cpuMillis = (processCpuNanos() - cpu) / 1_000_000;
        System.out.printf("%-6s %-30s %-16s %-7s %6d ms (cpu %d ms)%n", r.chapter(), r.name(), r.tool(), r.verdict(),
                r.millis(), cpuMillis);
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s/%s expected %s but was %s; reproduce with: %s%n%s", r.chapter(), r.name(), r.expect(),
                        r.verdict(), r.reproduce(), r.detail())
                .isTrue();
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
