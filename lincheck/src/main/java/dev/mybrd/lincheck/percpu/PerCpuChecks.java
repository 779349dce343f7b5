package dev.mybrd.lincheck.percpu;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the per-cpu chapter, with their budgets. */
public final class PerCpuChecks {
    private PerCpuChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
