package dev.mybrd.check;

import java.util.function.Supplier;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * A check run by Lincheck: a test class, its options (model checking or stress), and what the run
 * must show. A Lincheck failure is a violation and its message, the interleaving trace, becomes the
 * result's detail.
 */
public final class LincheckCheck implements Check {
    private final String chapter;
    private final String name;
    private final String property;
    private final Expect expect;
    private final Class<?> testClass;
    private final Supplier<Options<?, ?>> options;

    public LincheckCheck(String chapter, String name, String property, Expect expect, Class<?> testClass,
                         Supplier<Options<?, ?>> options) {
        this.chapter = chapter;
        this.name = name;
        this.property = property;
        this.expect = expect;
        this.testClass = testClass;
        this.options = options;
    }

    @Override
    public String chapter() {
        return chapter;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String property() {
        return property;
    }

    @Override
    public String tool() {
        return options.get() instanceof ModelCheckingOptions ? "lincheck-mc" : "lincheck-stress";
    }

    @Override
    public Expect expect() {
        return expect;
    }

    /** The Lincheck test class. */
    public Class<?> testClass() {
        return testClass;
    }

    @Override
    public CheckResult run() {
        long start = System.nanoTime();
        String detail = "";
        Verdict verdict;
        try {
            options.get().check(testClass);
            verdict = Verdict.of(expect, false);
        } catch (LincheckAssertionError e) {
            detail = e.getMessage();
            verdict = Verdict.of(expect, true);
        } catch (RuntimeException | Error e) {
            detail = e.toString();
            verdict = Verdict.ERROR;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new CheckResult(chapter, name, property, tool(), expect, verdict, millis, detail, reproduce());
    }
}
