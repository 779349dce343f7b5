package dev.mybrd.cli;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The verdict table and the summary line, as plain text.
 *
 * <p>Widths are computed from the plain cell text and colour is applied after padding, so the columns
 * line up with or without escape codes. Verdicts that are what the check is for print in lower case
 * ({@code pass}, {@code caught}, {@code shown}); the others in upper case ({@code FAIL}, {@code MISSED},
 * {@code ERROR}), so that a plain CI log still makes them stand out and can be grepped.
 */
public final class ResultTable {
    static final List<String> HEADERS = List.of("CHAPTER", "CHECK", "PROPERTY", "TOOL", "VERDICT", "TIME");
    private static final String GAP = "  ";

    private ResultTable() {
    }

    /** The table: a header, a rule, one line per row. Ends with a newline. */
    public static String render(List<CheckResult> rows, Style style) {
        List<List<String>> cells = new ArrayList<>();
        for (CheckResult r : rows) {
            cells.add(List.of(r.chapter(), r.name(), r.property(), r.tool(), verdictText(r.verdict()),
                    duration(r.millis())));
        }
        int[] width = new int[HEADERS.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = HEADERS.get(c).length();
            for (List<String> row : cells) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        line(out, HEADERS, width, null, style);
        line(out, rule, width, null, style);
        for (int i = 0; i < cells.size(); i++) {
            line(out, cells.get(i), width, rows.get(i).verdict(), style);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width, Verdict verdict, Style style) {
        StringBuilder line = new StringBuilder();
        int last = cells.size() - 1;
        for (int c = 0; c <= last; c++) {
            String text = cells.get(c);
            // TIME (the last column) is right-aligned so that durations compare at a glance.
            String padded = c == last ? " ".repeat(width[c] - text.length()) + text
                    : text + " ".repeat(width[c] - text.length());
            if (c == 4 && verdict != null) {
                padded = verdict.ok() ? style.good(padded) : style.bad(padded);
            }
            line.append(padded);
            if (c < last) {
                line.append(GAP);
            }
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    /** {@code caught} for a wanted verdict, {@code MISSED} for an unwanted one. */
    public static String verdictText(Verdict v) {
        return v.ok() ? v.name().toLowerCase(Locale.ROOT) : v.name();
    }

    /** What a check must show, in words. */
    public static String expectText(Expect e) {
        return switch (e) {
            case HOLDS -> "holds";
            case CATCHES_BUG -> "catches bug";
            case SHOWS_BEHAVIOUR -> "shows behaviour";
        };
    }

    /** {@code 850 ms}, {@code 12.3 s}, {@code 2 min 05 s}. */
    public static String duration(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = Math.round(millis / 1000.0);
        return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
    }

    /** Rows per verdict, in the enum's order, zero counts included. */
    public static Map<Verdict, Integer> counts(List<CheckResult> rows) {
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            counts.put(v, 0);
        }
        for (CheckResult r : rows) {
            counts.merge(r.verdict(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * One line: how many checks, how long, the count of each verdict that occurred, and whether all
     * are as expected, e.g. {@code 7 checks in 1 min 12 s: 2 pass, 4 caught, 1 shown; all as expected}.
     */
    public static String summary(List<CheckResult> rows, long totalMillis, Style style) {
        StringJoiner parts = new StringJoiner(", ");
        long notOk = 0;
        for (Map.Entry<Verdict, Integer> e : counts(rows).entrySet()) {
            if (e.getValue() > 0) {
                String part = e.getValue() + " " + verdictText(e.getKey());
                parts.add(e.getKey().ok() ? part : style.bad(part));
                if (!e.getKey().ok()) {
                    notOk += e.getValue();
                }
            }
        }
        String head = rows.size() + (rows.size() == 1 ? " check" : " checks") + " in " + duration(totalMillis);
        String tail = notOk == 0 ? style.good("all as expected")
                : style.bad(notOk + " not as expected");
        return head + (rows.isEmpty() ? "" : ": " + parts) + "; " + tail;
    }
}
