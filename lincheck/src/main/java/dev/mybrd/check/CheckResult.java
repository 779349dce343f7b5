package dev.mybrd.check;

/**
 * One row of the verdict table.
 *
 * @param chapter the tutorial chapter ({@code ramdisk}, {@code spinlock}, ...)
 * @param name the check's name, unique in its chapter
 * @param property what is checked, with its spec number (P1-P30)
 * @param tool {@code lincheck-mc}, {@code lincheck-stress} or {@code jcstress}
 * @param expect what the check must show
 * @param verdict what it showed
 * @param millis wall-clock time of the run
 * @param detail the failure text (Lincheck's interleaving trace, jcstress's outcomes), or empty
 * @param reproduce a command that runs this check alone
 */
public record CheckResult(String chapter, String name, String property, String tool, Expect expect,
                          Verdict verdict, long millis, String detail, String reproduce) {
}
