package dev.mybrd.lincheck.percpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.lang.management.ManagementFactory;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-cpu chapter's checks alone, for working on the chapter: each verdict must be the expected
 * one; prints wall and process CPU time per check (CPU time says more on a shared machine) and the
 * trace of each seeded bug. Its name does not end in "Test", so {@code mvn verify} leaves it to
 * CatalogTest, which runs the same checks; run it with
 * {@code mvn -pl lincheck test -Dtest=PerCpuChecksRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class PerCpuChecksRun {
    static Stream<Check> checks() {
        return PerCpuChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        long cpu = processCpuNanos();
        CheckResult r = check.run();
        System.out.printf("%-8s %-34s %-12s %-7s %6d ms (cpu %d ms)%n", r.chapter(), r.name(), r.tool(), r.verdict(),
                r.millis(), (processCpuNanos() - cpu) / 1_000_000);
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok()).as("%s expected %s but was %s; reproduce with: %s%n%s", r.name(), r.expect(),
                r.verdict(), r.reproduce(), r.detail()).isTrue();
    }

    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
