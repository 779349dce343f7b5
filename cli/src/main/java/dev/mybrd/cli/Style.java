package dev.mybrd.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Whether to colour the output, and the colouring itself.
 *
 * <p>The lab's output mostly ends up in CI logs, where escape codes are noise, so colour is off unless
 * standard output is a terminal, {@code TERM} is not {@code dumb} and {@code NO_COLOR} is unset or
 * empty (https://no-color.org). Colour only ever decorates: every verdict is also readable as text
 * (not-ok verdicts are upper case), so nothing is lost without it.
 */
public final class Style {
    private static final String RESET = "\u001b[0m";

    private final boolean color;

    public Style(boolean color) {
        this.color = color;
    }

    /** Plain text, for logs and tests. */
    public static Style plain() {
        return new Style(false);
    }

    /** Colour for an interactive terminal, plain otherwise. */
    public static Style detect() {
        return new Style(wantsColor(System.getenv(), isTerminal()));
    }

    /** The decision, apart from how the terminal was detected, so that it can be tested. */
    static boolean wantsColor(Map<String, String> env, boolean terminal) {
        String noColor = env.get("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) {
            return false;
        }
        if ("dumb".equals(env.get("TERM"))) {
            return false;
        }
        return terminal;
    }

    /**
     * Whether standard output is a terminal. Up to JDK 21 a non-null console means exactly that; from
     * JDK 22 on {@code System.console()} is non-null even when redirected and {@code isTerminal()}
     * (absent from the JDK 17 API we compile against) answers instead.
     */
    private static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method m = Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    public boolean color() {
        return color;
    }

    public String good(String s) {
        return paint("\u001b[32m", s);
    }

    public String bad(String s) {
        return paint("\u001b[1;31m", s);
    }

    public String dim(String s) {
        return paint("\u001b[2m", s);
    }

    public String bold(String s) {
        return paint("\u001b[1m", s);
    }

    private String paint(String code, String s) {
        return color && !s.isEmpty() ? code + s + RESET : s;
    }

    /** {@code text} without colour escape codes (for files). */
    static String strip(String text) {
        return text.replaceAll("\u001b\\[[0-9;]*m", "");
    }
}
