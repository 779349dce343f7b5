package dev.mybrd.lincheck.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The work-queue chapter's checks alone, with their verdicts and times (CatalogTest runs them all). */
class WorkQueueChecksTest {
    static Stream<Check> checks() {
        return WorkQueueChecks.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        CheckResult r = check.run();
        long cpuMillis = (os.getProcessCpuTime() - cpu0) / 1_000_000;
        // Wall time and this JVM's CPU time: on a loaded machine the CPU time is the better measure.
        System.out.printf("%-10s %-40s %-16s %-7s %6d ms wall %6d ms cpu%n", r.chapter(), r.name(), r.tool(),
                r.verdict(), r.millis(), cpuMillis);
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s/%s expected %s but was %s; reproduce with: %s%n%s", r.chapter(), r.name(), r.expect(),
                        r.verdict(), r.reproduce(), r.detail())
                .isTrue();
    }
}
