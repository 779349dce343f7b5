package dev.mybrd.stress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.TestExecutor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.TestInfo;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.DiskWriteCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.MuxCollector;
import org.openjdk.jcstress.infra.collectors.SerializedBufferCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.collectors.TestResultCollector;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.HTMLReportPrinter;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.runners.TestConfig;
import org.openjdk.jcstress.infra.runners.TestList;
import org.openjdk.jcstress.os.OSSupport;
import org.openjdk.jcstress.os.Scheduler;
import org.openjdk.jcstress.os.SchedulingClass;
import org.openjdk.jcstress.os.topology.Topology;
import org.openjdk.jcstress.vm.CompileMode;
import org.openjdk.jcstress.vm.VMSupport;

/**
 * CI gate over the {@link StressCheck} jcstress tests in this jar.
 *
 * <pre>
 * java -cp stress/target/jcstress.jar dev.mybrd.stress.Gate [--chapter NAME] [-t REGEX] [--out FILE] [--list]
 *      [jcstress options, e.g. -m quick -sc false -jvmArgs -XX:+UseParallelGC]
 * </pre>
 *
 * <p>Verdicts: a check of the correct model PASSes if no FORBIDDEN outcome was observed and FAILs
 * otherwise; a seeded check is CAUGHT if a FORBIDDEN outcome was observed and MISSED otherwise; a
 * check that threw, timed out, crashed its VM or produced no samples is an ERROR. Exit 0 only if
 * at least one check ran and every verdict is PASS or CAUGHT.
 *
 * <p><b>How it drives jcstress (0.16).</b> {@code JCStress.run()} offers no hook for results as they
 * arrive, and its exit code is useless here (seeded checks fail on purpose; no matching test exits
 * 0). So the gate builds the same run program as {@code JCStress.run()} from jcstress's public
 * classes (VM configurations, scheduling classes, compilation modes, forks), runs it with
 * {@link TestExecutor}, and sends results both to the usual {@code jcstress-results-*.bin.gz} blob
 * and to a progress printer that reports each check when its last fork is in. Verdicts are then
 * taken from the blob read back with {@link DiskReadCollector}, merged per test and graded by
 * jcstress ({@code TestResult.grading()}), so they match jcstress's own reports; the HTML report
 * goes to {@code results/} as usual, and {@code java -jar jcstress.jar -p <blob>} re-renders it.
 *
 * <p>{@code millis} is the wall time a check's forks took: each arriving result is charged the time
 * since the previous one arrived. On this 2-CPU machine one 2-actor fork runs at a time, so that is
 * the check's own time; with forks in parallel it is an apportioned share.
 */
public final class Gate {
    private static final String TSV_HEADER =
            "chapter\tname\tproperty\ttool\texpect\tverdict\tmillis\tdetail\treproduce";

    /** A selected check: jcstress test name, its class, and what it checks. */
    record Check(String name, String simpleName, StressCheck meta) {
        boolean seeded() {
            return !meta.seeded().isEmpty();
        }

        String expectation() {
            return seeded() ? "CATCHES_BUG" : "HOLDS";
        }

        /** Anchored, because jcstress searches -t in the name: plain "FirstWriteRace" also runs its seeded variants. */
        String reproduce() {
            return "java -jar stress/target/jcstress.jar -t '\\." + simpleName + "$' -m quick";
        }
    }

    /** The gate's decision for one check. */
    record Verdict(Check check, String verdict, long millis, long samples, long forbidden, String detail) {
        boolean ok() {
            return verdict.equals("PASS") || verdict.equals("CAUGHT");
        }
    }

    private Gate() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs the gate; returns the exit code. */
    static int run(String[] args) throws Exception {
        long started = System.nanoTime();
        String chapter = null;
        String regex = ".*";
        String out = "stress-verdicts.tsv";
        boolean list = false;
        List<String> passThrough = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--chapter", "-t", "--out" -> {
                    if (i + 1 >= args.length) {
                        System.err.println("Gate: " + a + " needs a value");
                        return 1;
                    }
                    String v = args[++i];
                    if (a.equals("--chapter")) {
                        chapter = v;
                    } else if (a.equals("-t")) {
                        regex = v;
                    } else {
                        out = v;
                    }
                }
                case "--list", "-l" -> list = true;
                case "-h", "--help" -> {
                    usage();
                    return 1;
                }
                case "-p" -> {
                    System.err.println("Gate: -p is not supported; use java -jar jcstress.jar -p <blob>");
                    return 1;
                }
                default -> passThrough.add(a);
            }
        }

        Pattern filter;
        try {
            filter = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            System.err.println("Gate: bad -t regex: " + e.getMessage());
            return 1;
        }
        List<Check> checks = select(chapter, filter);
        if (list) {
            for (Check c : checks) {
                System.out.printf("%-10s %-40s %-24s %s%n", c.meta().chapter(), c.simpleName(),
                        c.seeded() ? c.meta().seeded() : "-", c.meta().property());
            }
            return checks.isEmpty() ? 1 : 0;
        }
        Path tsv = Paths.get(out).toAbsolutePath();
        if (checks.isEmpty()) {
            // jcstress itself would exit 0 here; a gate that ran nothing must not pass.
            writeTsv(tsv, List.of());
            System.out.println("Gate: FATAL: no matching tests (chapter " + (chapter == null ? "any" : chapter)
                    + ", -t " + regex + "). Nothing ran; wrote an empty " + tsv);
            return 1;
        }

        Options opts = new Options(passThrough.toArray(new String[0]));
        if (!opts.parse()) {
            return 1;
        }
        System.out.println();
        System.out.println("Gate: " + checks.size() + " check(s): " + names(checks));

        Map<String, Long> millis = new HashMap<>();
        Collection<TestResult> results = execute(opts, checks, millis);

        List<Verdict> verdicts = new ArrayList<>();
        Map<String, TestResult> merged = new HashMap<>();
        for (TestResult r : ReportUtils.mergedByName(results)) {
            merged.put(r.getName(), r);
        }
        for (Check c : checks) {
            verdicts.add(judge(c, merged.get(c.name()), millis.getOrDefault(c.name(), 0L)));
        }
        printTable(verdicts);
        writeTsv(tsv, verdicts);
        System.out.println("Gate: verdicts written to " + tsv);

        List<String> offending = new ArrayList<>();
        for (Verdict v : verdicts) {
            if (!v.ok()) {
                offending.add(v.check().simpleName() + " (" + v.verdict() + ")");
            }
        }
        String took = " (" + seconds(started) + " s)";
        if (offending.isEmpty()) {
            System.out.println("Gate: OK, all " + verdicts.size() + " check(s) PASS or CAUGHT" + took);
            return 0;
        }
        System.out.println("Gate: FAILED: " + String.join(", ", offending) + took);
        return 1;
    }

    private static void usage() {
        System.err.println("Usage: java -cp jcstress.jar dev.mybrd.stress.Gate [--chapter NAME] [-t REGEX]"
                + " [--out FILE] [--list] [jcstress options]");
        System.err.println("  Runs the @StressCheck jcstress tests and grades them: PASS/FAIL for checks of the");
        System.err.println("  correct model, CAUGHT/MISSED for seeded bugs, ERROR for broken runs.");
        System.err.println("  -t REGEX is searched in the test's full class name, as jcstress does.");
        System.err.println("  Other options go to jcstress unchanged (see java -jar jcstress.jar -h).");
    }

    /** The jar's jcstress tests that carry {@link StressCheck}, filtered by chapter and regex, by name. */
    static List<Check> select(String chapter, Pattern filter) {
        List<Check> checks = new ArrayList<>();
        for (String name : new TreeSet<>(TestList.tests())) {
            Class<?> cls;
            try {
                cls = Class.forName(name, false, Gate.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                System.out.println("Gate: warning: cannot load jcstress test " + name + ": " + e);
                continue;
            }
            StressCheck meta = cls.getAnnotation(StressCheck.class);
            if (meta == null) {
                System.out.println("Gate: warning: jcstress test " + name + " has no @StressCheck; not gated");
                continue;
            }
            if ((chapter != null && !chapter.equals(meta.chapter()))
                    || !filter.matcher(name).find()) {
                continue;
            }
            checks.add(new Check(name, cls.getSimpleName(), meta));
        }
        return checks;
    }

    /**
     * Runs the checks the way {@code JCStress.run()} would, with a progress printer in the result
     * stream; returns every fork's result read back from the blob (none if nothing could run).
     */
    private static Collection<TestResult> execute(Options opts, List<Check> checks, Map<String, Long> millis)
            throws Exception {
        long setUp = System.nanoTime();
        OSSupport.init();
        VMSupport.initFlags(opts);
        VMSupport.detectAvailableVMConfigs(opts.isSplitCompilation(), opts.getJvmArgs(), opts.getJvmArgsPrepend());
        List<VMSupport.Config> vms = VMSupport.getAvailableVMConfigs();
        if (vms.isEmpty()) {
            System.out.println("Gate: FATAL: no JVM configuration to run with.");
            return List.of();
        }

        Topology topology = Topology.get();
        topology.printStatus(System.out);
        Scheduler scheduler = new Scheduler(topology, opts.getCPUCount());
        Map<Integer, List<SchedulingClass>> classes = new HashMap<>();
        List<TestConfig> program = new ArrayList<>();
        Map<String, Integer> planned = new LinkedHashMap<>();
        for (Check c : checks) {
            TestInfo info = TestList.getInfo(c.name());
            List<SchedulingClass> scls = classes.computeIfAbsent(info.threads(),
                    n -> scheduler.scheduleClasses(n, opts.getCPUCount(), opts.affinityMode()));
            int before = program.size();
            for (VMSupport.Config vm : vms) {
                for (SchedulingClass scl : scls) {
                    addForks(program, opts, info, vm, scl);
                }
            }
            planned.put(c.name(), program.size() - before);
        }
        opts.printSettingsOn(System.out);
        if (program.isEmpty()) {
            System.out.println("Gate: FATAL: no check could be scheduled on " + opts.getCPUCount() + " CPU(s).");
            return List.of();
        }
        // Same order randomisation as jcstress, so runs are comparable with the CLI's.
        Collections.shuffle(program);

        System.out.println("Gate: running " + program.size() + " fork(s) of " + checks.size() + " check(s)"
                + " (jcstress set-up and VM probing took " + seconds(setUp) + " s)");
        DiskWriteCollector blob = new DiskWriteCollector(opts.getResultFile());
        Progress progress = new Progress(checks, planned);
        SerializedBufferCollector sink = new SerializedBufferCollector(MuxCollector.of(blob, progress));
        TestExecutor executor = new TestExecutor(opts.verbosity(), sink, scheduler);
        progress.start();
        executor.runAll(program);
        sink.close();
        blob.close();
        millis.putAll(progress.millis());
        System.out.println();

        InProcessCollector collected = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(opts.getResultFile(), collected);
        try {
            reader.dump();
        } finally {
            reader.close();
        }
        System.out.println("Gate: result blob " + Paths.get(opts.getResultFile()).toAbsolutePath());
        new HTMLReportPrinter(opts, collected, System.out).work();
        return collected.getTestResults();
    }

    /** Forks of one test in one VM configuration and scheduling class, as JCStress.prepareRunProgram makes them. */
    private static void addForks(List<TestConfig> program, Options opts, TestInfo info, VMSupport.Config vm,
            SchedulingClass scl) {
        int forks = opts.getForks() * (vm.stress() ? opts.getForksStressMultiplier() : 1);
        if (opts.isSplitCompilation() && VMSupport.compilerDirectivesAvailable()) {
            for (int mode : CompileMode.casesFor(info.threads(), VMSupport.c1Available(), VMSupport.c2Available())) {
                if (vm.onlyIfC2() && !CompileMode.hasC2(mode, info.threads())) {
                    continue; // a C2-stress VM adds nothing to a mode without C2
                }
                for (int f = 0; f < forks; f++) {
                    program.add(new TestConfig(opts, info, f, vm.args(), mode, scl));
                }
            }
        } else {
            for (int f = 0; f < forks; f++) {
                program.add(new TestConfig(opts, info, f, vm.args(), CompileMode.UNIFIED, scl));
            }
        }
    }

    /** Prints a line per check when its last fork's result arrives; charges each check its forks' time. */
    private static final class Progress implements TestResultCollector {
        private final Map<String, Check> checks = new HashMap<>();
        private final Map<String, Integer> remaining;
        private final Map<String, List<TestResult>> arrived = new HashMap<>();
        private final Map<String, Long> nanos = new HashMap<>();
        private final int total;
        private int done;
        private long last;

        Progress(List<Check> list, Map<String, Integer> planned) {
            for (Check c : list) {
                checks.put(c.name(), c);
            }
            this.remaining = new HashMap<>(planned);
            this.total = list.size();
            for (Map.Entry<String, Integer> e : planned.entrySet()) {
                if (e.getValue() == 0) {
                    done++;
                    System.out.printf("[%d/%d] %-6s %s: not scheduled on this machine%n", done, total, "ERROR",
                            checks.get(e.getKey()).simpleName());
                }
            }
        }

        synchronized void start() {
            last = System.nanoTime();
        }

        @Override
        public synchronized void add(TestResult r) {
            long now = System.nanoTime();
            String name = r.getName();
            nanos.merge(name, now - last, Long::sum);
            last = now;
            arrived.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
            Integer left = remaining.merge(name, -1, Integer::sum);
            Check c = checks.get(name);
            if (c == null || left == null || left != 0) {
                return;
            }
            done++;
            TestResult merged = ReportUtils.mergedByName(arrived.get(name)).get(0);
            Verdict v = judge(c, merged, millisOf(name));
            System.out.printf("[%d/%d] %-6s %s (%d ms, %,d samples): %s%n", done, total, v.verdict(),
                    c.simpleName(), v.millis(), v.samples(),
                    merged.status() == Status.NORMAL ? outcomes(merged, false, ", ") : oneLine(v.detail()));
            System.out.flush();
        }

        private long millisOf(String name) {
            return TimeUnit.NANOSECONDS.toMillis(nanos.getOrDefault(name, 0L));
        }

        synchronized Map<String, Long> millis() {
            Map<String, Long> m = new HashMap<>();
            for (String name : nanos.keySet()) {
                m.put(name, millisOf(name));
            }
            return m;
        }
    }

    /** Grades one check from its merged result (null: no fork reported). */
    static Verdict judge(Check c, TestResult r, long millis) {
        if (r == null) {
            return new Verdict(c, "ERROR", millis, 0, 0, "no result: the check did not run");
        }
        StringBuilder detail = new StringBuilder(outcomes(r, true, "\n"));
        long forbidden = 0;
        boolean unknown = false;
        for (GradingResult g : r.grading().gradingResults.values()) {
            if (g.count > 0 && g.expect == Expect.FORBIDDEN) {
                forbidden += g.count;
            } else if (g.count > 0 && g.expect == Expect.UNKNOWN) {
                unknown = true;
            }
        }
        long samples = r.getTotalCount();
        String verdict;
        if (r.status() != Status.NORMAL) {
            verdict = "ERROR";
            detail.insert(0, r.status() + messages(r) + (detail.length() > 0 ? "\n" : ""));
        } else if (samples == 0) {
            verdict = "ERROR";
            detail.append("no samples collected");
        } else if (unknown) {
            verdict = "ERROR";
            detail.append("\nan observed outcome has no expectation");
        } else if (c.seeded()) {
            verdict = forbidden > 0 ? "CAUGHT" : "MISSED";
        } else {
            verdict = forbidden > 0 ? "FAIL" : "PASS";
        }
        return new Verdict(c, verdict, millis, samples, forbidden, detail.toString());
    }

    /** Observed outcomes as "id = count EXPECT (description)", joined by {@code sep}. */
    static String outcomes(TestResult r, boolean withDescription, String sep) {
        List<String> parts = new ArrayList<>();
        for (GradingResult g : r.grading().gradingResults.values()) {
            if (g.count > 0) {
                parts.add(g.id + " = " + g.count + " " + g.expect.name()
                        + (withDescription ? " (" + g.description + ")" : ""));
            }
        }
        return String.join(sep, parts);
    }

    /** The first lines of a broken run's messages (exceptions, VM output). */
    private static String messages(TestResult r) {
        List<String> lines = new ArrayList<>();
        for (String m : r.getMessages()) {
            for (String l : m.split("\\R")) {
                if (!l.isBlank() && lines.size() < 12) {
                    lines.add(l.strip());
                }
            }
        }
        for (String l : r.getVmErr()) {
            if (!l.isBlank() && lines.size() < 16) {
                lines.add("stderr: " + l.strip());
            }
        }
        return lines.isEmpty() ? "" : ": " + String.join("\n", lines);
    }

    private static void printTable(List<Verdict> verdicts) {
        int w = "name".length();
        for (Verdict v : verdicts) {
            w = Math.max(w, v.check().simpleName().length());
        }
        String fmt = "%-10s %-" + w + "s %-12s %-7s %9s %13s %10s  %s%n";
        System.out.println();
        System.out.println("Gate verdicts:");
        System.out.printf(fmt, "chapter", "name", "expect", "verdict", "millis", "samples", "forbidden", "seeded");
        for (Verdict v : verdicts) {
            Check c = v.check();
            System.out.printf(fmt, c.meta().chapter(), c.simpleName(), c.expectation(), v.verdict(), v.millis(),
                    String.format("%,d", v.samples()), v.forbidden(), c.seeded() ? c.meta().seeded() : "-");
        }
        for (Verdict v : verdicts) {
            if (!v.ok()) {
                System.out.println();
                System.out.println(v.verdict() + " " + v.check().simpleName() + " (" + v.check().meta().property()
                        + "); reproduce: " + v.check().reproduce());
                System.out.println("  " + v.detail().replace("\n", "\n  "));
            }
        }
        System.out.println();
    }

    static void writeTsv(Path file, List<Verdict> verdicts) throws IOException {
        Path parent = file.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            w.print(TSV_HEADER + "\n");
            for (Verdict v : verdicts) {
                Check c = v.check();
                w.print(String.join("\t", cell(c.meta().chapter()), cell(c.simpleName()), cell(c.meta().property()),
                        "jcstress", c.expectation(), v.verdict(), Long.toString(v.millis()), cell(v.detail()),
                        cell(c.reproduce())) + "\n");
            }
        }
    }

    /** A TSV cell: newlines become the two characters \n, tabs become spaces. */
    static String cell(String s) {
        return s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace('\t', ' ');
    }

    private static long seconds(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - sinceNanos);
    }

    private static String oneLine(String s) {
        return s.replace("\n", "; ");
    }

    private static String names(List<Check> checks) {
        List<String> n = new ArrayList<>();
        for (Check c : checks) {
            n.add(c.simpleName());
        }
        return String.join(", ", n);
    }
}
