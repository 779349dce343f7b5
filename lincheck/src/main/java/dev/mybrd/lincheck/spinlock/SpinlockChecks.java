package dev.mybrd.lincheck.spinlock;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the spinlock chapter, with their budgets. */
public final class SpinlockChecks {
    private SpinlockChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
