package dev.mybrd.lincheck.rcu;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the rcu chapter, with their budgets. */
public final class RcuChecks {
    private RcuChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
