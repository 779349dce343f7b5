package dev.mybrd.cli;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Verdict;
import java.util.List;
import java.util.Map;

/**
 * The verdict table as JSON, written by hand: the document is small and flat, and a JSON library in
 * the runnable jar would be one more dependency to keep for three dozen lines.
 *
 * <p>Shape: {@code {"version", "ok", "totalMillis", "counts": {VERDICT: n}, "results": [row...]}}; each
 * row has every {@link CheckResult} field plus {@code ok}. Enum values are their Java names
 * ({@code CATCHES_BUG}, {@code CAUGHT}), so that a consumer can map them back without guessing.
 */
public final class Json {
    private Json() {
    }

    /** The whole document, pretty-printed one row per object, ending with a newline. */
    public static String document(String version, List<CheckResult> rows, long totalMillis) {
        StringBuilder out = new StringBuilder();
        boolean ok = rows.stream().allMatch(r -> r.verdict().ok());
        out.append("{\n");
        out.append("  \"version\": ").append(string(version)).append(",\n");
        out.append("  \"ok\": ").append(ok).append(",\n");
        out.append("  \"totalMillis\": ").append(totalMillis).append(",\n");
        out.append("  \"counts\": {");
        boolean first = true;
        for (Map.Entry<Verdict, Integer> e : ResultTable.counts(rows).entrySet()) {
            out.append(first ? "" : ", ").append(string(e.getKey().name())).append(": ").append(e.getValue());
            first = false;
        }
        out.append("},\n");
        out.append("  \"results\": [");
        for (int i = 0; i < rows.size(); i++) {
            out.append(i == 0 ? "\n" : ",\n").append("    ").append(row(rows.get(i)));
        }
        out.append(rows.isEmpty() ? "]\n" : "\n  ]\n");
        out.append("}\n");
        return out.toString();
    }

    /** One row as a single-line object. */
    static String row(CheckResult r) {
        return "{"
                + "\"chapter\": " + string(r.chapter())
                + ", \"name\": " + string(r.name())
                + ", \"property\": " + string(r.property())
                + ", \"tool\": " + string(r.tool())
                + ", \"expect\": " + string(r.expect().name())
                + ", \"verdict\": " + string(r.verdict().name())
                + ", \"ok\": " + r.verdict().ok()
                + ", \"millis\": " + r.millis()
                + ", \"detail\": " + string(r.detail())
                + ", \"reproduce\": " + string(r.reproduce())
                + "}";
    }

    /**
     * A JSON string literal (RFC 8259): quote, backslash and the C0 controls escaped; also U+2028/U+2029
     * (legal JSON but not legal JavaScript) and unpaired surrogates, which UTF-8 cannot encode and the
     * writer would otherwise turn into '?'. A null is written as {@code null}.
     */
    public static String string(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 2);
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    boolean lone = Character.isHighSurrogate(c)
                            ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                            : Character.isLowSurrogate(c)
                                    && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || lone) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
