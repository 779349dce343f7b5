package dev.mybrd.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One chapter's catalogued checks in one JVM, for working on that chapter: each verdict must be the
 * expected one; prints wall and process CPU time per check (CPU time says more on a shared machine)
 * and each check's detail (a seeded bug's trace). {@code -Dchapter=NAME} picks the chapter (as
 * {@code ./lab list} names it), {@code -Donly=REGEX} the checks whose names match. Its name does not
 * end in "Test", so {@code mvn verify} leaves it to {@link CatalogTest}, which runs the same checks:
 * <pre>
 * mvn -q -o -pl lincheck -am test -Dtest=ChapterChecksRun -Dchapter=mq -Donly=plug -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class ChapterChecksRun {
    static Stream<Check> checks() {
        String chapter = System.getProperty("chapter");
        if (chapter == null || !Catalog.chapters().contains(chapter)) {
            throw new IllegalArgumentException("set -Dchapter=NAME, one of " + Catalog.chapters() + "; got " + chapter);
        }
        Pattern only = Pattern.compile(System.getProperty("only", ""));
        return Catalog.chapter(chapter).stream().filter(c -> only.matcher(c.name()).find());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        long cpu = processCpuNanos();
        CheckResult r = check.run();
        System.out.printf("%-12s %-44s %-12s %-7s %6d ms (cpu %d ms)%n", r.chapter(), r.name(), r.tool(),
                r.verdict(), r.millis(), (processCpuNanos() - cpu) / 1_000_000);
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok()).as("%s/%s expected %s but was %s; reproduce with: %s%n%s", r.chapter(),
                r.name(), r.expect(), r.verdict(), r.reproduce(), r.detail()).isTrue();
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
