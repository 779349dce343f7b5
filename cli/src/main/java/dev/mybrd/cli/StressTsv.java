package dev.mybrd.cli;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the verdict file the jcstress gate writes: a header line, then one tab-separated row per
 * jcstress test with the {@link CheckResult} fields; inside a field, a newline is the two characters
 * {@code \n} (and tab, carriage return and backslash are {@code \t}, {@code \r}, {@code \\}).
 *
 * <p>The file comes from another module and another JVM, so reading is lenient: columns are found by
 * the header's names when there is a header (so the gate may reorder or add columns), enum values are
 * matched ignoring case, dashes and spaces, and a row that cannot be read becomes an {@code ERROR} row
 * saying why instead of an exception, so that one bad line never hides the other verdicts.
 */
public final class StressTsv {
    /** The columns, in the order used when the file has no header. */
    public static final List<String> COLUMNS = List.of("chapter", "name", "property", "tool", "expect",
            "verdict", "millis", "detail", "reproduce");

    private StressTsv() {
    }

    /** The rows of a gate verdict file, given as its lines. */
    public static List<CheckResult> parse(List<String> lines) {
        List<CheckResult> rows = new ArrayList<>();
        Map<String, Integer> column = null;
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (column == null) {
                if (isHeader(fields)) {
                    column = header(fields);
                    continue;
                }
                column = header(COLUMNS.toArray(String[]::new));
            }
            rows.add(row(fields, column, lineNo));
        }
        return rows;
    }

    /** A header names at least the columns no row can do without. */
    private static boolean isHeader(String[] fields) {
        Map<String, Integer> names = header(fields);
        return names.containsKey("name") && names.containsKey("verdict");
    }

    private static Map<String, Integer> header(String[] names) {
        Map<String, Integer> column = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            column.putIfAbsent(names[i].trim().toLowerCase(Locale.ROOT), i);
        }
        return column;
    }

    private static CheckResult row(String[] fields, Map<String, Integer> column, int lineNo) {
        String chapter = field(fields, column, "chapter");
        String name = field(fields, column, "name");
        String property = field(fields, column, "property");
        String tool = field(fields, column, "tool");
        String verdictText = field(fields, column, "verdict");
        String detail = field(fields, column, "detail");
        String reproduce = field(fields, column, "reproduce");
        List<String> problems = new ArrayList<>();
        if (name.isEmpty()) {
            problems.add("no check name");
        }
        Verdict verdict = verdict(verdictText);
        if (verdict == null) {
            problems.add("unknown verdict '" + verdictText + "'");
            verdict = Verdict.ERROR;
        }
        Expect expect = expect(field(fields, column, "expect"), verdict);
        long millis;
        try {
            String m = field(fields, column, "millis");
            millis = m.isEmpty() ? 0 : Long.parseLong(m);
        } catch (NumberFormatException e) {
            millis = 0;
        }
        if (!problems.isEmpty()) {
            verdict = Verdict.ERROR;
            String why = "unreadable row at line " + lineNo + " of the jcstress verdict file: "
                    + String.join(", ", problems);
            detail = detail.isEmpty() ? why : why + "\n" + detail;
        }
        return new CheckResult(chapter, name.isEmpty() ? "line-" + lineNo : name, property,
                tool.isEmpty() ? "jcstress" : tool, expect, verdict, millis, detail, reproduce);
    }

    private static String field(String[] fields, Map<String, Integer> column, String name) {
        Integer i = column.get(name);
        return i == null || i >= fields.length ? "" : unescape(fields[i]);
    }

    /** The verdict named, or null. */
    static Verdict verdict(String text) {
        String key = key(text);
        for (Verdict v : Verdict.values()) {
            if (v.name().equals(key)) {
                return v;
            }
        }
        return null;
    }

    /**
     * The expectation named. A file that names it differently ({@code bug}, {@code shows}) is still
     * understood; failing that, the verdict implies it ({@code CAUGHT} only answers a seeded bug).
     */
    static Expect expect(String text, Verdict verdict) {
        String key = key(text);
        for (Expect e : Expect.values()) {
            if (e.name().equals(key)) {
                return e;
            }
        }
        if (key.contains("BUG") || key.startsWith("CATCH")) {
            return Expect.CATCHES_BUG;
        }
        if (key.startsWith("SHOW")) {
            return Expect.SHOWS_BEHAVIOUR;
        }
        if (key.startsWith("HOLD")) {
            return Expect.HOLDS;
        }
        return switch (verdict) {
            case CAUGHT -> Expect.CATCHES_BUG;
            case SHOWN -> Expect.SHOWS_BEHAVIOUR;
            default -> Expect.HOLDS;
        };
    }

    private static String key(String text) {
        return text.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** Undoes the gate's escaping; an unknown escape is kept as it is. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '\\' -> out.append('\\');
                default -> out.append('\\').append(next);
            }
        }
        return out.toString();
    }
}
