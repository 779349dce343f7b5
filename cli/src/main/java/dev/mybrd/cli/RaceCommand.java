package dev.mybrd.cli;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import dev.mybrd.race.Probe;
import dev.mybrd.race.Race;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./lab race ID} and {@code ./lab race --all}: reproduce races, then run their fixes.
 *
 * <p>For each race it runs the buggy variant's probes first and prints what they found (the
 * interleaving Lincheck printed, or jcstress's outcome table), then the fixed variant's probes and
 * their verdicts. In-process probes run in this JVM; the jcstress probes of every selected race run in
 * one gate call, after them. A race is <i>reproduced</i> when every buggy probe caught its bug and
 * <i>fixed</i> when every fixed probe passed; the exit status is 0 only if every selected race is
 * both. The time to the first counterexample is that of the fastest buggy probe that caught the bug
 * (a model checker stops at its first failing interleaving).
 */
@Command(name = "race", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class, sortOptions = false,
        description = {"Reproduces a race of the catalog (see './lab races'): runs the model before the fix and"
                + " prints the interleaving or outcome table that breaks it, then runs the model after the fix"
                + " and prints its verdict.", ""},
        footer = {"", "Exit codes: 0 every race reproduced and every fix passing, 1 otherwise, 2 usage error."})
final class RaceCommand implements Callable<Integer> {
    private final Lab.Env env;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "The race, e.g. KR-20 (any case).")
    String id;

    @Option(names = "--all", description = "Run the whole catalog, with progress and a summary table.")
    boolean all;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the randomized"
            + " scenario probes (default ${DEFAULT-VALUE}). Lincheck's model checker explores the same interleavings"
            + " whatever the seed, and jcstress has none.")
    long seed = 1;

    @Option(names = "--save", paramLabel = "FILE", description = "Also write the traces and verdicts to FILE.")
    Path save;

    @Option(names = "--detailed", description = "Print Lincheck's detailed trace too (every field access with its"
            + " source line); it always goes into the --save file.")
    boolean detailed;

    @Option(names = "--no-stress", description = "Skip the jcstress probes.")
    boolean noStress;

    @Option(names = "--stress-mode", paramLabel = "MODE", defaultValue = CheckCommand.DEFAULT_STRESS_MODE,
            description = "jcstress mode preset: sanity, quick or default (default: ${DEFAULT-VALUE}).")
    String stressMode = CheckCommand.DEFAULT_STRESS_MODE;

    private static final String DETAILED = "Detailed trace:";
    private final StringBuilder details = new StringBuilder();

    RaceCommand(Lab.Env env) {
        this.env = env;
    }

    /** The verdict of one probe of one race. */
    record ProbeResult(Race race, Probe probe, boolean buggy, CheckResult result) {
    }

    @Override
    public Integer call() {
        List<Race> races = select();
        System.setProperty("mybrd.seed", Long.toString(seed));
        PrintWriter console = spec.commandLine().getOut();
        StringWriter saved = new StringWriter();
        PrintWriter out = save == null ? console : new PrintWriter(new Tee(console, saved), true);
        long start = System.nanoTime();

        Map<Race, List<ProbeResult>> results = new LinkedHashMap<>();
        races.forEach(r -> results.put(r, new ArrayList<>()));
        for (int i = 0; i < races.size(); i++) {
            Race r = races.get(i);
            out.println(env.style().bold("[" + (i + 1) + "/" + races.size() + "] " + r.id() + "  " + r.title()
                    + "  (" + r.commit() + ", " + r.subsystem() + ", symptom: " + r.symptom().label() + ")"));
            out.println("    " + r.summary());
            runInProcess(r, true, results.get(r), out);
            runInProcess(r, false, results.get(r), out);
            out.flush();
        }
        if (!noStress) {
            runStress(races, results, out);
        }
        long totalMillis = (System.nanoTime() - start) / 1_000_000;
        out.println();
        out.print(summaryTable(results, env.style()));
        List<RaceLog.Entry> log = new ArrayList<>();
        boolean ok = true;
        String when = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        for (Map.Entry<Race, List<ProbeResult>> e : results.entrySet()) {
            String status = status(e.getValue());
            ok &= status.equals("reproduced, fix passes");
            log.add(new RaceLog.Entry(e.getKey().id(), status, firstCounterexample(e.getValue()), when));
        }
        out.println();
        out.println(races.size() + (races.size() == 1 ? " race" : " races") + " in " + ResultTable.duration(totalMillis)
                + "; " + (ok ? env.style().good("all reproduced, all fixes pass")
                : env.style().bad("not all as expected")) + (seed == 1 ? "" : " (seed " + seed + ")"));
        if (!ok) {
            for (Map.Entry<Race, List<ProbeResult>> e : results.entrySet()) {
                if (!status(e.getValue()).equals("reproduced, fix passes")) {
                    out.println("  " + e.getKey().id() + ": " + status(e.getValue()) + "; reproduce with "
                            + e.getKey().reproduce() + (seed == 1 ? "" : " --seed " + seed));
                }
            }
        }
        out.flush();
        new RaceLog(env.resultsDir()).write(log);
        if (save != null) {
            writeSaved(saved + "\n\nFull traces\n===========\n\n" + details, console);
        }
        return ok ? Lab.OK : Lab.NOT_OK;
    }

    private List<Race> select() {
        if (all == (id != null)) {
            throw usage("give one race ID or --all");
        }
        if (!CheckCommand.STRESS_MODES.contains(stressMode)) {
            throw usage("unknown stress mode '" + stressMode + "'; valid modes: "
                    + String.join(", ", CheckCommand.STRESS_MODES));
        }
        if (save != null && Files.isDirectory(save)) {
            throw usage("--save " + save + " is a directory; give a file name");
        }
        List<Race> catalog = env.races().get();
        if (all) {
            return catalog;
        }
        return catalog.stream().filter(r -> r.id().equalsIgnoreCase(id)).findFirst().map(List::of)
                .orElseThrow(() -> usage("unknown race '" + id + "'; valid ids: "
                        + String.join(", ", catalog.stream().map(Race::id).toList())));
    }

    private void runInProcess(Race race, boolean buggy, List<ProbeResult> into, PrintWriter out) {
        for (Probe p : buggy ? race.buggy() : race.fixed()) {
            if (!(p instanceof Probe.InProcess ip)) {
                continue;
            }
            Check check = ip.check();
            String label = "    " + (buggy ? "buggy" : "fixed") + " " + p.name() + " (" + p.tool() + ")";
            out.println(label + " ...");
            out.flush();
            CheckResult r = run(check);
            into.add(new ProbeResult(race, p, buggy, r));
            out.println(label + ": " + verdict(r.verdict()) + " in " + ResultTable.duration(r.millis()));
            boolean show = buggy ? !r.detail().isEmpty() && (!all || !r.verdict().ok()) : !r.verdict().ok();
            if (show) {
                out.println(indent(shortTrace(r.detail())));
            }
            if (!r.detail().isEmpty()) {
                details.append("=== ").append(race.id()).append(buggy ? " buggy " : " fixed ").append(p.name())
                        .append(": ").append(ResultTable.verdictText(r.verdict())).append(" ===\n")
                        .append(r.detail().stripTrailing()).append("\n\n");
            }
        }
    }

    /** Lincheck's text up to its detailed trace, unless --detailed; a note says how long the rest is. */
    private String shortTrace(String detail) {
        String text = detail.stripTrailing();
        int cut = text.indexOf(DETAILED);
        if (detailed || cut < 0) {
            return text;
        }
        long lines = text.substring(cut).lines().count();
        return text.substring(0, cut).stripTrailing() + "\n(" + DETAILED + " " + lines
                + " more lines with every field access: add --detailed, or --save FILE)";
    }

    private static CheckResult run(Check check) {
        long start = System.nanoTime();
        try {
            return check.run();
        } catch (RuntimeException | Error e) {
            return new CheckResult(check.chapter(), check.name(), check.property(), check.tool(), check.expect(),
                    Verdict.ERROR, (System.nanoTime() - start) / 1_000_000, e.toString(), check.reproduce());
        }
    }

    /** One gate call for the jcstress probes of every selected race. */
    private void runStress(List<Race> races, Map<Race, List<ProbeResult>> results, PrintWriter out) {
        List<ProbeResult> pending = new ArrayList<>();
        for (Race r : races) {
            r.buggy().stream().filter(p -> p instanceof Probe.Jcstress)
                    .forEach(p -> pending.add(new ProbeResult(r, p, true, null)));
            r.fixed().stream().filter(p -> p instanceof Probe.Jcstress)
                    .forEach(p -> pending.add(new ProbeResult(r, p, false, null)));
        }
        if (pending.isEmpty()) {
            return;
        }
        Stress stress = env.stress();
        if (!stress.available()) {
            out.println("[stress] " + stress.missingHint());
            pending.forEach(pr -> results.get(pr.race()).add(missing(pr, stress.missingHint())));
            return;
        }
        String filter = CheckCommand.alternatives(pending.stream().map(pr -> CheckCommand.classFilter(pr.probe().name()))
                .distinct().toList());
        out.println("[stress] running " + pending.size() + " jcstress probes through the gate (-m " + stressMode + ") ...");
        out.flush();
        Stress.GateRun run = stress.run(null, filter, JcstressGate.modeArgs(stressMode), line -> {
            out.println("    | " + line);
            out.flush();
        });
        out.println("    $ " + CheckCommand.shell(run.command()));
        for (ProbeResult pr : pending) {
            String simple = pr.probe().name();
            CheckResult row = run.rows().stream()
                    .filter(r -> r.name().equals(simple) || r.name().endsWith("." + simple)).findFirst()
                    .orElse(null);
            CheckResult r = row == null ? missing(pr, run.problem() == null ? "the gate reported no verdict for "
                    + simple : run.problem()).result() : row;
            results.get(pr.race()).add(new ProbeResult(pr.race(), pr.probe(), pr.buggy(), r));
            out.println("[stress] " + pr.race().id() + " " + (pr.buggy() ? "buggy" : "fixed") + " " + simple + ": "
                    + verdict(r.verdict()) + " in " + ResultTable.duration(r.millis()));
            if ((pr.buggy() && !all) || !r.verdict().ok()) {
                out.println(indent(r.detail().stripTrailing()));
            }
        }
    }

    private static ProbeResult missing(ProbeResult pr, String why) {
        return new ProbeResult(pr.race(), pr.probe(), pr.buggy(), new CheckResult("races", pr.probe().name(),
                pr.race().id(), "jcstress", pr.probe().expect(), Verdict.ERROR, 0, why, pr.race().reproduce()));
    }

    /** "reproduced, fix passes", or what is wrong. */
    static String status(List<ProbeResult> results) {
        boolean ran = results.stream().anyMatch(ProbeResult::buggy) && results.stream().anyMatch(r -> !r.buggy());
        boolean reproduced = results.stream().filter(ProbeResult::buggy).allMatch(r -> r.result().verdict().ok());
        boolean fixed = results.stream().filter(r -> !r.buggy()).allMatch(r -> r.result().verdict().ok());
        if (!ran) {
            return "NOT RUN";
        }
        return (reproduced ? "reproduced" : "NOT REPRODUCED") + ", " + (fixed ? "fix passes" : "FIX FAILS");
    }

    /** The fastest buggy probe that caught the bug, in ms, or -1. */
    static long firstCounterexample(List<ProbeResult> results) {
        return results.stream().filter(r -> r.buggy() && r.result().verdict() == Verdict.CAUGHT)
                .mapToLong(r -> r.result().millis()).min().orElse(-1);
    }

    private static String summaryTable(Map<Race, List<ProbeResult>> results, Style style) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<Race, List<ProbeResult>> e : results.entrySet()) {
            List<ProbeResult> rs = e.getValue();
            long first = firstCounterexample(rs);
            long time = rs.stream().mapToLong(r -> r.result().millis()).sum();
            rows.add(List.of(e.getKey().id(), e.getKey().symptom().label(), count(rs, true), count(rs, false),
                    first < 0 ? "-" : ResultTable.duration(first), ResultTable.duration(time), status(rs)));
        }
        return ListCommand.columns(List.of("RACE", "SYMPTOM", "BUGGY CAUGHT", "FIXED PASS", "FIRST COUNTEREXAMPLE",
                "TIME", "STATUS"), rows, "");
    }

    private static String count(List<ProbeResult> rs, boolean buggy) {
        long total = rs.stream().filter(r -> r.buggy() == buggy).count();
        long ok = rs.stream().filter(r -> r.buggy() == buggy && r.result().verdict().ok()).count();
        return ok + "/" + total;
    }

    private String verdict(Verdict v) {
        String text = ResultTable.verdictText(v);
        return v.ok() ? env.style().good(text) : env.style().bad(text);
    }

    private static String indent(String text) {
        return text.isEmpty() ? "      (no detail)" : "      " + text.replace("\n", "\n      ");
    }

    private void writeSaved(String text, PrintWriter console) {
        try {
            Path parent = save.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(save, Style.strip(text), StandardCharsets.UTF_8);
            console.println("lab: wrote " + save);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + save + ": " + e.getMessage(), e);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A writer that writes to two. */
    private static final class Tee extends Writer {
        private final Writer first;
        private final Writer second;

        Tee(Writer first, Writer second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            first.write(buf, off, len);
            second.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
