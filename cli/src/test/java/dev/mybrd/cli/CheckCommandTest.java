package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import dev.mybrd.cli.Fakes.FakeCheck;
import dev.mybrd.cli.Fakes.FakeStress;
import dev.mybrd.cli.Fakes.GateCall;
import dev.mybrd.cli.Fakes.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument handling, exit codes and output of {@code lab check}, over fake checks and a fake gate. */
class CheckCommandTest {
    private FakeCheck mc;
    private FakeCheck seeded;
    private FakeCheck other;
    private FakeStress stress;
    private Lab.Env env;

    @BeforeEach
    void setUp() {
        mc = new FakeCheck("ramdisk", "per-sector-mc", Expect.HOLDS, Verdict.PASS, "");
        seeded = new FakeCheck("ramdisk", "seeded-insert-without-lock", Expect.CATCHES_BUG, Verdict.CAUGHT,
                "= Invalid execution results =\n| write(0, 0, 1): 0 |");
        other = new FakeCheck("spinlock", "ticket-fifo", Expect.HOLDS, Verdict.PASS, "");
        stress = new FakeStress();
        stress.tests.add(new Stress.StressTest("ramdisk", "FirstWriteRace", "dev.mybrd.stress.ramdisk.FirstWriteRace",
                "P4 first writers share one page", "HOLDS", ""));
        stress.tests.add(new Stress.StressTest("ramdisk", "FirstWriteRaceWithoutRecheck",
                "dev.mybrd.stress.ramdisk.FirstWriteRaceWithoutRecheck", "P4 first writers share one page",
                "CATCHES_BUG", ""));
        stress.rows.add(Fakes.stressRow("ramdisk", "FirstWriteRace", Expect.HOLDS, Verdict.PASS, "17, 34 = 100 ACCEPTABLE"));
        stress.rows.add(Fakes.stressRow("ramdisk", "FirstWriteRaceWithoutRecheck", Expect.CATCHES_BUG, Verdict.CAUGHT,
                "0, 34 = 3 FORBIDDEN (lost)\n17, 34 = 97 ACCEPTABLE"));
        env = env(mc, seeded, other);
    }

    private Lab.Env env(Check... checks) {
        return new Lab.Env(() -> List.of(checks), stress, Style.plain());
    }

    private int runs() {
        return mc.runs + seeded.runs + other.runs;
    }

    @Test
    void unknownChapterIsAUsageErrorThatNamesTheValidChaptersAndRunsNothing() {
        Result r = Fakes.execute(env, "check", "ramdisk", "ramdsik");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown chapter 'ramdsik'").contains("valid chapters: ramdisk, spinlock");
        assertThat(r.out()).isEmpty();
        assertThat(runs()).isZero();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void unknownCheckIsAUsageErrorThatNamesTheChecksOfTheChapter() {
        Result r = Fakes.execute(env, "check", "ramdisk", "--only", "per-sector");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown check 'per-sector' in chapter ramdisk")
                .contains("per-sector-mc, seeded-insert-without-lock, FirstWriteRace, FirstWriteRaceWithoutRecheck")
                .doesNotContain("ticket-fifo");
        assertThat(runs()).isZero();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void otherUsageErrorsExitWithTwo() {
        assertThat(Fakes.execute(env, "check", "--stress-mode", "tough").exitCode()).isEqualTo(2);
        assertThat(Fakes.execute(env, "check", "--bogus").exitCode()).isEqualTo(2);
        assertThat(Fakes.execute(env, "chek").err()).contains("Did you mean: lab check");
        assertThat(Fakes.execute(env).exitCode()).isEqualTo(2);
        Result nothing = Fakes.execute(env, "check", "--no-lincheck", "--no-stress");
        assertThat(nothing.exitCode()).isEqualTo(2);
        assertThat(nothing.err()).contains("nothing to run");
        assertThat(runs()).isZero();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void aChapterRunsItsLincheckChecksThenItsJcstressTests() {
        Result r = Fakes.execute(env, "check", "ramdisk");

        assertThat(r.exitCode()).isZero();
        assertThat(mc.runs).isEqualTo(1);
        assertThat(seeded.runs).isEqualTo(1);
        assertThat(other.runs).isZero();
        assertThat(stress.calls).containsExactly(new GateCall("ramdisk", null, JcstressGate.modeArgs("quick")));
        assertThat(r.out())
                .contains("[1/2] ramdisk/per-sector-mc (lincheck-mc, expect: holds) ...")
                .contains("[1/2] ramdisk/per-sector-mc: pass in 1.2 s")
                .contains("[2/2] ramdisk/seeded-insert-without-lock: caught in 1.2 s")
                .contains("    | Gate: progress line")
                .contains("[stress] ramdisk/FirstWriteRaceWithoutRecheck: caught in 700 ms")
                .contains("4 checks in ")
                .contains(": 2 pass, 2 caught; all as expected");
        // Without --trace a caught bug's interleaving is not printed.
        assertThat(r.out()).doesNotContain("Invalid execution results");
        String table = r.out().substring(r.out().indexOf("CHAPTER"));
        assertThat(table.lines().filter(l -> l.startsWith("ramdisk ")).toList()).hasSize(4);
        assertThat(table).containsPattern("seeded-insert-without-lock +P3 property of seeded-insert-without-lock"
                + " +lincheck-mc +caught +1\\.2 s");
    }

    @Test
    void withoutChaptersEveryChapterRunsAndTheGateOnceOverAll() {
        Result r = Fakes.execute(env, "check", "--stress-mode", "sanity");

        assertThat(r.exitCode()).isZero();
        assertThat(runs()).isEqualTo(3);
        assertThat(stress.calls).containsExactly(new GateCall(null, null, JcstressGate.modeArgs("sanity")));
        assertThat(JcstressGate.modeArgs("sanity")).startsWith("-m", "sanity", "-sc", "false", "-jvmArgs");
    }

    @Test
    void traceShowsEveryDetail() {
        Result r = Fakes.execute(env, "check", "ramdisk", "--trace");

        assertThat(r.out()).contains("=== ramdisk/seeded-insert-without-lock: caught (lincheck-mc, expected: catches bug)")
                .contains("| write(0, 0, 1): 0 |")
                .contains("0, 34 = 3 FORBIDDEN (lost)\n17, 34 = 97 ACCEPTABLE");
        // The table and summary come after the traces, at the end of the log.
        assertThat(r.out().indexOf("CHAPTER")).isGreaterThan(r.out().indexOf("| write(0, 0, 1): 0 |"));
    }

    @Test
    void aVerdictNotAsExpectedExitsWithOneAndShowsItsTraceAndReproduceCommand() {
        FakeCheck missed = new FakeCheck("ramdisk", "seeded-zero-after-publish", Expect.CATCHES_BUG, Verdict.MISSED,
                "");
        FakeCheck failed = new FakeCheck("ramdisk", "per-sector-stress", Expect.HOLDS, Verdict.FAIL,
                "= Invalid execution results =\nread(3, 1): 0");
        Result r = Fakes.execute(env(mc, missed, failed), "check", "ramdisk", "--no-stress");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("=== ramdisk/per-sector-stress: FAIL (lincheck-mc, expected: holds) ===\n"
                        + "= Invalid execution results =\nread(3, 1): 0\n"
                        + "reproduce: ./lab check ramdisk --only per-sector-stress")
                .contains("=== ramdisk/seeded-zero-after-publish: MISSED")
                .contains("(no detail)")
                .contains("1 pass, 1 FAIL, 1 MISSED; 2 not as expected")
                .contains("  MISSED ramdisk/seeded-zero-after-publish: reproduce with ./lab check ramdisk --only "
                        + "seeded-zero-after-publish");
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void onlyALincheckCheckRunsNothingElse() {
        Result r = Fakes.execute(env, "check", "--only", "seeded-insert-without-lock");

        assertThat(r.exitCode()).isZero();
        assertThat(seeded.runs).isEqualTo(1);
        assertThat(mc.runs + other.runs).isZero();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void onlyAJcstressTestRunsTheGateFilteredToItsClass() {
        Result r = Fakes.execute(env, "check", "ramdisk", "--only", "FirstWriteRace");

        assertThat(r.exitCode()).isZero();
        assertThat(runs()).isZero();
        assertThat(stress.calls).hasSize(1);
        String filter = stress.calls.get(0).filter();
        assertThat(filter).isEqualTo("[.$]FirstWriteRace$");
        assertThat("dev.mybrd.stress.ramdisk.FirstWriteRace").containsPattern(filter);
        assertThat("dev.mybrd.stress.ramdisk.FirstWriteRaceWithoutRecheck").doesNotContainPattern(filter);
    }

    @Test
    void severalJcstressTestsMakeOneFilter() {
        Fakes.execute(env, "check", "--only", "FirstWriteRace", "--only", "FirstWriteRaceWithoutRecheck");

        assertThat(stress.calls).extracting(GateCall::filter)
                .containsExactly("([.$]FirstWriteRace$|[.$]FirstWriteRaceWithoutRecheck$)");
    }

    @Test
    void commandsArePrintedReadyToPaste() {
        assertThat(CheckCommand.shell(List.of("java", "-t", "([.$]X$)", "-jvmArgs", "-XX:+A --b=c", "it's")))
                .isEqualTo("java -t '([.$]X$)' -jvmArgs '-XX:+A --b=c' 'it'\\''s'");
    }

    @Test
    void aMissingStressJarIsAnErrorRowWithTheBuildHintUnlessStressIsSkipped() {
        stress.available = false;
        Result r = Fakes.execute(env, "check", "ramdisk");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(mc.runs).isEqualTo(1);
        assertThat(stress.calls).isEmpty();
        assertThat(r.out()).contains("stress/target/jcstress.jar is missing. Build it with")
                .containsPattern("ramdisk +jcstress-gate +the jcstress tests run and report +jcstress +ERROR");

        Result skipped = Fakes.execute(env, "check", "ramdisk", "--no-stress");
        assertThat(skipped.exitCode()).isZero();
        assertThat(skipped.out()).doesNotContain("jcstress.jar is missing");
    }

    @Test
    void aGateProblemAddsAnErrorRow() {
        stress.rows.clear();
        stress.problem = "the jcstress gate exited 1 and wrote no verdict file x.tsv";
        stress.exitCode = 1;
        Result r = Fakes.execute(env, "check", "ramdisk", "--no-lincheck");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("=== ramdisk/jcstress-gate: ERROR")
                .contains("wrote no verdict file x.tsv\ncommand: java -cp jcstress.jar dev.mybrd.stress.Gate")
                .contains("reproduce: ./lab check ramdisk --no-lincheck");
    }

    @Test
    void anUnlistableJarGetsAnUnknownNameAsATestFilter() {
        stress.listable = false;
        Result r = Fakes.execute(env, "check", "ramdisk", "--only", "FirstWriteRace");

        assertThat(r.exitCode()).isZero();
        assertThat(runs()).isZero();
        assertThat(stress.calls).containsExactly(new GateCall("ramdisk", "[.$]FirstWriteRace$",
                JcstressGate.modeArgs("quick")));
        assertThat(r.out()).contains("passed to the jcstress gate as a test filter: FirstWriteRace");
    }

    @Test
    void jsonHoldsEveryFieldEscaped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/verdicts.json");
        Result r = Fakes.execute(env, "check", "ramdisk", "--json", file.toString());

        assertThat(r.exitCode()).isZero();
        String json = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\n  \"version\": ")
                .contains("\"ok\": true")
                .contains("\"counts\": {\"PASS\": 2, \"FAIL\": 0, \"CAUGHT\": 2, \"SHOWN\": 0, \"MISSED\": 0, \"ERROR\": 0}")
                .contains("{\"chapter\": \"ramdisk\", \"name\": \"seeded-insert-without-lock\", \"property\": "
                        + "\"P3 property of seeded-insert-without-lock\", \"tool\": \"lincheck-mc\", \"expect\": "
                        + "\"CATCHES_BUG\", \"verdict\": \"CAUGHT\", \"ok\": true, \"millis\": 1234, \"detail\": "
                        + "\"= Invalid execution results =\\n| write(0, 0, 1): 0 |\", \"reproduce\": "
                        + "\"./lab check ramdisk --only seeded-insert-without-lock\"}")
                .contains("\"name\": \"FirstWriteRaceWithoutRecheck\"");
        assertThat(r.out()).contains("lab: wrote " + file);
    }

    @Test
    void jsonToADirectoryIsAUsageError(@TempDir Path dir) {
        Result r = Fakes.execute(env, "check", "--json", dir.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(runs()).isZero();
    }
}
