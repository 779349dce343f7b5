package dev.mybrd.cli;

import dev.mybrd.check.CheckResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The jcstress side of a lab run. jcstress forks its own JVMs and wants the test classes in an uber
 * jar, so the lab never links against it: it runs the stress module's gate as a subprocess and reads
 * the verdicts back. This interface is that boundary; the unit tests put a fake behind it.
 */
public interface Stress {

    /** The jar the gate lives in (for messages). */
    Path jar();

    /** Whether the jar is there to run. */
    boolean available();

    /** What to do when it is not: how to build it. */
    default String missingHint() {
        return jar() + " is missing. Build it with 'mvn -B -DskipTests package' at the repository root"
                + " (./lab does so itself when the stress module is enabled in pom.xml), or pass --no-stress.";
    }

    /**
     * The jcstress tests the jar holds, read without running them; empty when that cannot be done
     * cheaply (no jar, or a jar whose test list cannot be read).
     */
    Optional<List<StressTest>> list();

    /**
     * Runs the gate over one chapter ({@code null}: every chapter), optionally only the tests whose
     * class name matches {@code testRegex}, with jcstress mode options {@code modeArgs}; each line
     * the gate prints goes to {@code progress}. Never throws for a failing run: problems are in the
     * result.
     */
    GateRun run(String chapter, String testRegex, List<String> modeArgs, Consumer<String> progress);

    /**
     * One jcstress test as the jar describes it.
     *
     * @param chapter the chapter it belongs to
     * @param name its check name (what {@code --only} takes and the verdict file reports)
     * @param className the fully qualified test class, which {@code -t} matches
     * @param property the property it checks if the class says so, or empty
     * @param expect what it must show if the class says so, or empty
     * @param description its {@code @Description}, or empty
     */
    record StressTest(String chapter, String name, String className, String property, String expect,
                      String description) {
    }

    /**
     * The outcome of one gate run.
     *
     * @param command the command line run, for the log and for reproducing it by hand
     * @param rows the verdicts read back, possibly none
     * @param exitCode the gate's exit code (-1 if it could not be started)
     * @param millis wall-clock time of the run
     * @param problem why the run as a whole is not trustworthy (no verdict file, no test, an exit code
     *     that contradicts the rows), or null
     */
    record GateRun(List<String> command, List<CheckResult> rows, int exitCode, long millis, String problem) {
    }
}
