package dev.mybrd.cli;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Stand-ins for the Lincheck catalog and the jcstress gate, so that the command tests run nothing. */
final class Fakes {
    private Fakes() {
    }

    /** A check that returns a canned verdict and counts its runs. */
    static final class FakeCheck implements Check {
        final String chapter;
        final String name;
        final Expect expect;
        final Verdict verdict;
        final String detail;
        int runs;

        FakeCheck(String chapter, String name, Expect expect, Verdict verdict, String detail) {
            this.chapter = chapter;
            this.name = name;
            this.expect = expect;
            this.verdict = verdict;
            this.detail = detail;
        }

        @Override
        public String chapter() {
            return chapter;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String property() {
            return "P3 property of " + name;
        }

        @Override
        public String tool() {
            return "lincheck-mc";
        }

        @Override
        public Expect expect() {
            return expect;
        }

        @Override
        public CheckResult run() {
            runs++;
            return new CheckResult(chapter, name, property(), tool(), expect, verdict, 1234, detail, reproduce());
        }
    }

    /** One recorded gate call. */
    record GateCall(String chapter, String filter, List<String> modeArgs) {
    }

    /** A gate that answers canned rows for any run and records the calls. */
    static final class FakeStress implements Stress {
        boolean available = true;
        List<StressTest> tests = new ArrayList<>();
        boolean listable = true;
        List<CheckResult> rows = new ArrayList<>();
        String problem;
        int exitCode;
        final List<GateCall> calls = new ArrayList<>();

        @Override
        public Path jar() {
            return Path.of("stress/target/jcstress.jar");
        }

        @Override
        public boolean available() {
            return available;
        }

        @Override
        public Optional<List<StressTest>> list() {
            return available && listable ? Optional.of(tests) : Optional.empty();
        }

        @Override
        public GateRun run(String chapter, String testRegex, List<String> modeArgs, Consumer<String> progress) {
            calls.add(new GateCall(chapter, testRegex, modeArgs));
            progress.accept("Gate: progress line");
            List<CheckResult> mine = rows.stream().filter(r -> chapter == null || r.chapter().equals(chapter)).toList();
            return new GateRun(List.of("java", "-cp", "jcstress.jar", "dev.mybrd.stress.Gate"), mine, exitCode, 2500,
                    problem);
        }
    }

    static CheckResult stressRow(String chapter, String name, Expect expect, Verdict verdict, String detail) {
        return new CheckResult(chapter, name, "P4 stress property", "jcstress", expect, verdict, 700, detail,
                "java -jar stress/target/jcstress.jar -t " + name + " -m quick");
    }

    /** The outcome of one command line. */
    record Result(int exitCode, String out, String err) {
    }

    static Result execute(Lab.Env env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Lab.commandLine(env)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
