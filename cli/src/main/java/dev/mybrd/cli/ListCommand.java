package dev.mybrd.cli;

import dev.mybrd.check.Check;
import dev.mybrd.check.Verdict;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./lab list}: every chapter with its checks, without running anything. The Lincheck checks come
 * from the catalog; the jcstress tests from the stress jar's own test list when the jar is built.
 */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class,
        description = "Lists the chapters and their checks (name, tool, expectation, property).")
final class ListCommand implements Callable<Integer> {
    private final Lab.Env env;

    @Spec
    CommandSpec spec;

    ListCommand(Lab.Env env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Check> checks = env.checks().get();
        Optional<List<Stress.StressTest>> stressTests = env.stress().list();
        Set<String> chapters = new LinkedHashSet<>();
        checks.forEach(c -> chapters.add(c.chapter()));
        stressTests.ifPresent(ts -> ts.forEach(t -> chapters.add(t.chapter())));

        for (String chapter : chapters) {
            out.println(env.style().bold("Chapter " + chapter));
            List<List<String>> rows = new ArrayList<>();
            for (Check c : checks) {
                if (c.chapter().equals(chapter)) {
                    rows.add(List.of(c.name(), c.tool(), ResultTable.expectText(c.expect()), c.property()));
                }
            }
            stressTests.ifPresent(ts -> ts.stream().filter(t -> t.chapter().equals(chapter)).forEach(t ->
                    rows.add(List.of(t.name(), "jcstress", t.expect().isEmpty() ? "(from the run)"
                            : ResultTable.expectText(StressTsv.expect(t.expect(), Verdict.ERROR)),
                            t.property().isEmpty() ? t.description() : t.property()))));
            out.print(columns(List.of("CHECK", "TOOL", "EXPECT", "PROPERTY"), rows, "  "));
            out.println();
        }
        if (stressTests.isEmpty()) {
            out.println(env.stress().available()
                    ? "jcstress tests: in " + env.stress().jar() + " (their names and verdicts come from the"
                            + " gate's verdict file when './lab check' runs them)."
                    : "jcstress tests: not listed, " + env.stress().missingHint());
        }
        out.flush();
        return Lab.OK;
    }

    /** Left-aligned columns; the last one is not padded. */
    static String columns(List<String> headers, List<List<String>> rows, String indent) {
        int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < width.length; c++) {
                line.append(r.get(c));
                if (c < width.length - 1) {
                    line.append(" ".repeat(width[c] - r.get(c).length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
