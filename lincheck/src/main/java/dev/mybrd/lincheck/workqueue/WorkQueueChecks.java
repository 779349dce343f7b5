package dev.mybrd.lincheck.workqueue;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the work-queue chapter, with their budgets. */
public final class WorkQueueChecks {
    private WorkQueueChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
