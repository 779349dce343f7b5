package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate's command line and how a finished run is judged; no JVM is started. */
class JcstressGateTest {
    private static final String HEADER = "chapter\tname\tproperty\ttool\texpect\tverdict\tmillis\tdetail\treproduce\n";

    @TempDir
    Path dir;

    @Test
    void commandRunsTheGateWithAbsolutePathsAndTheModeOptions() {
        JcstressGate gate = new JcstressGate(Path.of("stress/target/jcstress.jar"), dir);
        List<String> cmd = gate.command("ramdisk", "[.$]X$", JcstressGate.modeArgs("quick"));

        String jar = Path.of("stress/target/jcstress.jar").toAbsolutePath().toString();
        assertThat(cmd.get(0)).endsWith("java");
        assertThat(cmd).containsSubsequence("-XX:+UseParallelGC", "-cp", jar, "dev.mybrd.stress.Gate",
                "--chapter", "ramdisk", "-t", "[.$]X$", "--out", dir.resolve("stress-ramdisk.tsv").toString(),
                "-m", "quick", "-sc", "false", "-jvmArgs");
        assertThat(cmd.get(cmd.size() - 1)).startsWith("-XX:+UseParallelGC");
        assertThat(gate.command(null, null, List.of())).doesNotContain("--chapter", "-t")
                .contains(dir.resolve("stress-all.tsv").toString());
    }

    @Test
    void noVerdictFileIsAProblem() {
        Stress.GateRun run = JcstressGate.judge(List.of("java"), dir.resolve("none.tsv"), 1, 10);
        assertThat(run.rows()).isEmpty();
        assertThat(run.problem()).contains("exited 1 and wrote no verdict file");
    }

    @Test
    void noTestIsAProblem() throws Exception {
        Path tsv = Files.writeString(dir.resolve("v.tsv"), HEADER);
        assertThat(JcstressGate.judge(List.of("java"), tsv, 0, 10).problem()).contains("reported no test");
    }

    @Test
    void aFailingExitWithOnlyGoodRowsIsAProblemButBadRowsExplainIt() throws Exception {
        Path good = Files.writeString(dir.resolve("good.tsv"), HEADER + "ramdisk\tA\tP\tjcstress\tHOLDS\tPASS\t1\t\tr\n");
        Stress.GateRun run = JcstressGate.judge(List.of("java"), good, 1, 10);
        assertThat(run.rows()).hasSize(1);
        assertThat(run.problem()).contains("exited 1 although every test it reported is as expected");

        Path bad = Files.writeString(dir.resolve("bad.tsv"), HEADER + "ramdisk\tA\tP\tjcstress\tHOLDS\tFAIL\t1\t\tr\n");
        Stress.GateRun failed = JcstressGate.judge(List.of("java"), bad, 1, 10);
        assertThat(failed.problem()).isNull();
        assertThat(failed.rows().get(0).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void aMissingJarIsNotAvailableAndNotListed() {
        JcstressGate gate = new JcstressGate(dir.resolve("missing.jar"), dir);
        assertThat(gate.available()).isFalse();
        assertThat(gate.list()).isEmpty();
        assertThat(gate.missingHint()).contains("missing.jar is missing").contains("--no-stress");
    }
}
