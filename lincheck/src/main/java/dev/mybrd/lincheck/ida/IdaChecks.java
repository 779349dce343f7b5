package dev.mybrd.lincheck.ida;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the ida chapter, with their budgets. */
public final class IdaChecks {
    private IdaChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
