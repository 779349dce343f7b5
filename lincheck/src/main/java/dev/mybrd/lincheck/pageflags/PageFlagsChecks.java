package dev.mybrd.lincheck.pageflags;

import dev.mybrd.check.Check;
import java.util.List;

/** The Lincheck checks of the page-flags chapter, with their budgets. */
public final class PageFlagsChecks {
    private PageFlagsChecks() {
    }

    public static List<Check> all() {
        return List.of();
    }
}
