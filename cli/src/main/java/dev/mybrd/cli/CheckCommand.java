package dev.mybrd.cli;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./lab check}: runs the checks of the named chapters and prints the verdict table.
 *
 * <p>It works in three steps. First it resolves the arguments into a {@link Plan} (which Lincheck
 * checks, which gate runs) and rejects unknown chapter or check names before anything runs, since a
 * typo should cost a second, not the minutes of the checks that were spelled right. Then it runs the
 * Lincheck checks one after the other in this JVM (Lincheck serialises them anyway), then the jcstress
 * gate once per chapter, printing a line as each starts and ends and passing the gate's own progress
 * through. Last it prints the traces worth reading, the table and a summary line, and writes the JSON
 * file if asked. The table comes last so that it ends the log, where CI shows it.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class, sortOptions = false,
        description = {
            "Runs the checks of the given chapters (all when none is given): the Lincheck checks in this JVM,"
                    + " then the jcstress tests through the stress module's gate. Prints a line as each check"
                    + " starts and ends, then the verdict table and a summary.",
            "Without --trace, the trace and the reproduce command of every verdict that is not as expected"
                    + " are printed.",
            ""
        })
final class CheckCommand implements Callable<Integer> {
    static final List<String> STRESS_MODES = List.of("sanity", "quick", "default");
    static final String DEFAULT_STRESS_MODE = "quick";

    private final Lab.Env env;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CHAPTER", arity = "0..*", description = "Chapters to check (see './lab list').")
    List<String> chapters = new ArrayList<>();

    @Option(names = "--only", paramLabel = "NAME",
            description = "Run only the check NAME (repeatable): a Lincheck check or a jcstress test of the chapters.")
    List<String> only = new ArrayList<>();

    @Option(names = "--trace", description = "Print the trace (Lincheck interleaving, jcstress outcomes) of every"
            + " check that has one, including the seeded bugs that were caught.")
    boolean trace;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every row, with its detail and"
            + " reproduce command, as JSON to FILE (relative to the repository root under ./lab).")
    Path json;

    @Option(names = "--no-lincheck", description = "Skip the Lincheck checks.")
    boolean noLincheck;

    @Option(names = "--no-stress", description = "Skip the jcstress tests.")
    boolean noStress;

    @Option(names = "--stress-mode", paramLabel = "MODE", description = "jcstress mode preset: sanity, quick"
            + " or default (default: ${DEFAULT-VALUE}, as in mvn verify). Always with -sc false.",
            defaultValue = DEFAULT_STRESS_MODE)
    String stressMode = DEFAULT_STRESS_MODE;

    CheckCommand(Lab.Env env) {
        this.env = env;
    }

    /**
     * What a run will do.
     *
     * @param lincheck the Lincheck checks, in catalog order
     * @param gateRuns the gate runs: chapter ({@code null} for all) to test filter ({@code null} for all)
     * @param notes things to tell before starting
     */
    record Plan(List<Check> lincheck, Map<String, String> gateRuns, List<String> notes) {
        boolean empty() {
            return lincheck.isEmpty() && gateRuns.isEmpty();
        }
    }

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Plan plan = plan();
        PrintWriter out = spec.commandLine().getOut();
        Style style = env.style();
        plan.notes().forEach(n -> out.println("lab: " + n));

        List<CheckResult> rows = new ArrayList<>();
        int n = plan.lincheck().size();
        for (int i = 0; i < n; i++) {
            Check check = plan.lincheck().get(i);
            String label = "[" + (i + 1) + "/" + n + "] " + check.chapter() + "/" + check.name();
            out.println(label + " (" + check.tool() + ", expect: " + ResultTable.expectText(check.expect())
                    + ") ...");
            out.flush();
            CheckResult r = runOne(check);
            rows.add(r);
            out.println(label + ": " + verdict(r.verdict(), style) + " in " + ResultTable.duration(r.millis()));
            out.flush();
        }
        for (Map.Entry<String, String> run : plan.gateRuns().entrySet()) {
            rows.addAll(runGate(run.getKey(), run.getValue(), out));
        }
        long totalMillis = (System.nanoTime() - start) / 1_000_000;

        report(rows, totalMillis, out);
        if (json != null) {
            writeJson(rows, totalMillis, out);
        }
        out.flush();
        return rows.stream().allMatch(r -> r.verdict().ok()) ? Lab.OK : Lab.NOT_OK;
    }

    /** Resolves the arguments; a {@link ParameterException} (exit 2) for anything unknown. */
    Plan plan() {
        if (json != null && Files.isDirectory(json)) {
            throw usage("--json " + json + " is a directory; give a file name");
        }
        if (!STRESS_MODES.contains(stressMode)) {
            throw usage("unknown stress mode '" + stressMode + "'; valid modes: " + String.join(", ", STRESS_MODES));
        }
        List<Check> allChecks = env.checks().get();
        Optional<List<Stress.StressTest>> stressList = env.stress().list();
        Set<String> known = new LinkedHashSet<>();
        allChecks.forEach(c -> known.add(c.chapter()));
        stressList.ifPresent(ts -> ts.forEach(t -> known.add(t.chapter())));

        Set<String> wanted = new LinkedHashSet<>();
        for (String c : chapters) {
            if (!known.contains(c)) {
                throw usage("unknown chapter '" + c + "'; valid chapters: " + String.join(", ", known)
                        + (stressList.isPresent() ? "" : " (jcstress-only chapters are not known: "
                        + (env.stress().available() ? "the stress jar's test list could not be read)"
                                : "the stress jar is not built)")));
            }
            wanted.add(c);
        }
        boolean allChapters = wanted.isEmpty();
        Set<String> scope = allChapters ? known : wanted;

        List<Check> lincheck = allChecks.stream().filter(c -> scope.contains(c.chapter())).toList();
        List<Stress.StressTest> stress = stressList.map(ts -> ts.stream()
                .filter(t -> scope.contains(t.chapter())).toList()).orElse(null);
        List<String> notes = new ArrayList<>();

        // --only: keep the named checks; a name that is neither kind is an error, unless it may be a
        // jcstress test that cannot be listed, in which case the gate's filter decides.
        String unlistedStressFilter = null;
        if (!only.isEmpty()) {
            Set<String> names = new LinkedHashSet<>(only);
            List<Check> keptChecks = lincheck.stream().filter(c -> names.contains(c.name())).toList();
            List<Stress.StressTest> keptStress = stress == null ? null
                    : stress.stream().filter(t -> names.stream().anyMatch(nm -> matches(t, nm))).toList();
            List<String> unmatched = new ArrayList<>();
            for (String nm : names) {
                boolean isCheck = keptChecks.stream().anyMatch(c -> c.name().equals(nm));
                boolean isStress = keptStress != null && keptStress.stream().anyMatch(t -> matches(t, nm));
                if (!isCheck && !isStress) {
                    unmatched.add(nm);
                }
            }
            if (!unmatched.isEmpty()) {
                if (stress == null && env.stress().available() && !noStress) {
                    unlistedStressFilter = alternatives(unmatched.stream().map(CheckCommand::classFilter).toList());
                    notes.add("not a Lincheck check, so passed to the jcstress gate as a test filter: "
                            + String.join(", ", unmatched));
                } else {
                    throw usage("unknown check " + quoteAll(unmatched) + " in "
                            + (allChapters ? "any chapter" : "chapter " + String.join(", ", wanted))
                            + "; valid checks: " + validNames(lincheck, stress));
                }
            }
            lincheck = keptChecks;
            stress = keptStress;
        }
        if (noLincheck) {
            lincheck = List.of();
        }

        Map<String, String> gateRuns = new LinkedHashMap<>();
        if (!noStress) {
            if (stress != null) {
                // The list is known: one run per chapter that has tests in it, filtered with --only.
                Map<String, List<Stress.StressTest>> byChapter = new LinkedHashMap<>();
                stress.forEach(t -> byChapter.computeIfAbsent(t.chapter(), k -> new ArrayList<>()).add(t));
                if (allChapters && only.isEmpty() && !byChapter.isEmpty()) {
                    gateRuns.put(null, null);
                } else {
                    byChapter.forEach((ch, ts) -> gateRuns.put(ch, only.isEmpty() ? null
                            : alternatives(ts.stream().map(t -> classFilter(t.className())).toList())));
                }
                for (String ch : scope) {
                    if (!byChapter.containsKey(ch) && only.isEmpty()) {
                        notes.add("chapter " + ch + " has no jcstress test");
                    }
                }
            } else if (only.isEmpty() || unlistedStressFilter != null) {
                // Unknown list (or no jar: the run reports that as an ERROR row).
                if (allChapters) {
                    gateRuns.put(null, unlistedStressFilter);
                } else {
                    for (String ch : wanted) {
                        gateRuns.put(ch, unlistedStressFilter);
                    }
                }
            }
        }
        Plan plan = new Plan(lincheck, gateRuns, notes);
        if (plan.empty()) {
            throw usage("nothing to run with these options (" + String.join(" ", spec.commandLine().getParseResult()
                    .originalArgs()) + ")");
        }
        return plan;
    }

    /** Whether {@code name} designates the jcstress test: its check name or its class's simple name. */
    private static boolean matches(Stress.StressTest t, String name) {
        String simple = t.className().substring(t.className().lastIndexOf('.') + 1);
        return t.name().equals(name) || simple.equals(name);
    }

    /** A jcstress {@code -t} regex (searched in the class name) for a class name or simple name. */
    static String classFilter(String name) {
        String simple = name.substring(name.lastIndexOf('.') + 1);
        String quoted = simple.matches("[A-Za-z0-9_]+") ? simple : Pattern.quote(simple);
        return "[.$]" + quoted + "$";
    }

    /** One regex matching any of {@code regexes}. */
    static String alternatives(List<String> regexes) {
        return regexes.size() == 1 ? regexes.get(0) : regexes.stream().collect(Collectors.joining("|", "(", ")"));
    }

    /** A command line as a POSIX shell would need it typed, so it can be pasted to rerun it. */
    static String shell(List<String> command) {
        return command.stream()
                .map(a -> a.matches("[A-Za-z0-9_./:=+,@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    private static String validNames(List<Check> lincheck, List<Stress.StressTest> stress) {
        Set<String> names = new LinkedHashSet<>();
        lincheck.forEach(c -> names.add(c.name()));
        if (stress != null) {
            stress.forEach(t -> names.add(t.name()));
        }
        return String.join(", ", names) + (stress == null ? " (jcstress tests not listed: the stress jar is "
                + "not built or its test list could not be read)" : "");
    }

    private static String quoteAll(List<String> names) {
        return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Runs one Lincheck check; a check that throws anyway (agent failure, say) is an ERROR row. */
    private static CheckResult runOne(Check check) {
        long start = System.nanoTime();
        try {
            return check.run();
        } catch (RuntimeException | Error e) {
            return new CheckResult(check.chapter(), check.name(), check.property(), check.tool(), check.expect(),
                    Verdict.ERROR, (System.nanoTime() - start) / 1_000_000, e.toString(), check.reproduce());
        }
    }

    /** One gate run, its output indented under a header; its rows plus an ERROR row for any problem. */
    private List<CheckResult> runGate(String chapter, String filter, PrintWriter out) {
        String label = "[stress] " + (chapter == null ? "all chapters" : chapter);
        String reproduce = "./lab check" + (chapter == null ? "" : " " + chapter) + " --no-lincheck"
                + (DEFAULT_STRESS_MODE.equals(stressMode) ? "" : " --stress-mode " + stressMode);
        Stress stress = env.stress();
        if (!stress.available()) {
            out.println(label + ": " + stress.missingHint());
            return List.of(gateError(chapter, 0, stress.missingHint(), reproduce));
        }
        List<String> modeArgs = JcstressGate.modeArgs(stressMode);
        out.println(label + ": running the jcstress gate (-m " + stressMode + ") ...");
        out.flush();
        Stress.GateRun run = stress.run(chapter, filter, modeArgs, line -> {
            out.println("    | " + line);
            out.flush();
        });
        out.println(label + ": " + run.rows().size() + " tests in " + ResultTable.duration(run.millis())
                + ", gate exit code " + run.exitCode());
        out.println("    $ " + shell(run.command()));
        List<CheckResult> rows = new ArrayList<>();
        for (CheckResult r : run.rows()) {
            String reproduceRow = r.reproduce().isEmpty() ? "./lab check " + r.chapter() + " --only " + r.name()
                    : r.reproduce();
            CheckResult row = new CheckResult(r.chapter(), r.name(), r.property(), r.tool(), r.expect(), r.verdict(),
                    r.millis(), r.detail(), reproduceRow);
            rows.add(row);
            out.println("[stress] " + r.chapter() + "/" + r.name() + ": " + verdict(r.verdict(), env.style())
                    + " in " + ResultTable.duration(r.millis()));
        }
        if (run.problem() != null) {
            out.println(label + ": " + env.style().bad("ERROR") + ": " + run.problem());
            rows.add(gateError(chapter, run.millis(),
                    run.problem() + "\ncommand: " + shell(run.command()), reproduce));
        }
        out.flush();
        return rows;
    }

    private static CheckResult gateError(String chapter, long millis, String detail, String reproduce) {
        return new CheckResult(chapter == null ? "all" : chapter, "jcstress-gate", "the jcstress tests run and report",
                "jcstress", Expect.HOLDS, Verdict.ERROR, millis, detail, reproduce);
    }

    private static String verdict(Verdict v, Style style) {
        String text = ResultTable.verdictText(v);
        return v.ok() ? style.good(text) : style.bad(text);
    }

    /** Traces, then the table, then the summary and what to rerun. */
    private void report(List<CheckResult> rows, long totalMillis, PrintWriter out) {
        Style style = env.style();
        for (CheckResult r : rows) {
            boolean show = !r.verdict().ok() || (trace && !r.detail().isEmpty());
            if (!show) {
                continue;
            }
            out.println();
            out.println(style.bold("=== " + r.chapter() + "/" + r.name() + ": " + ResultTable.verdictText(r.verdict())
                    + " (" + r.tool() + ", expected: " + ResultTable.expectText(r.expect()) + ") ==="));
            out.println(r.detail().isEmpty() ? "(no detail)" : r.detail().stripTrailing());
            if (!r.verdict().ok()) {
                out.println("reproduce: " + r.reproduce());
            }
        }
        out.println();
        out.print(ResultTable.render(rows, style));
        out.println();
        out.println(ResultTable.summary(rows, totalMillis, style));
        List<CheckResult> bad = rows.stream().filter(r -> !r.verdict().ok()).toList();
        for (CheckResult r : bad) {
            out.println("  " + ResultTable.verdictText(r.verdict()) + " " + r.chapter() + "/" + r.name()
                    + ": reproduce with " + r.reproduce());
        }
    }

    private void writeJson(List<CheckResult> rows, long totalMillis, PrintWriter out) {
        try {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(json, Json.document(Lab.Version.lab(), rows, totalMillis), StandardCharsets.UTF_8);
            out.println("lab: wrote " + json);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + json + ": " + e.getMessage(), e);
        }
    }
}
