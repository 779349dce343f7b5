package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the wait-queue chapter, with their budgets. */
public final class WaitQueueChecks {
    private WaitQueueChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
