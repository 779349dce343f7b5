package dev.mybrd.check;

import java.util.concurrent.Callable;

/**
 * A check that runs one deterministic scenario in-process, without Lincheck: for rules the model
 * enforces itself (lockdep-lite reports, {@code might_sleep}, exactly-once counters after a bounded
 * soak). The scenario returns null when it saw no violation, or a description of the violation it
 * saw, which becomes the detail; an exception it throws counts as a violation too, with its message
 * (a {@code KernelBug} is the model's way to report).
 */
public final class ScenarioCheck implements Check {
    private final String chapter;
    private final String name;
    private final String property;
    private final Expect expect;
    private final Callable<String> scenario;

    public ScenarioCheck(String chapter, String name, String property, Expect expect, Callable<String> scenario) {
        this.chapter = chapter;
        this.name = name;
        this.property = property;
        this.expect = expect;
        this.scenario = scenario;
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
        return "scenario";
    }

    @Override
    public Expect expect() {
        return expect;
    }

    @Override
    public CheckResult run() {
        long start = System.nanoTime();
        String violation;
        try {
            violation = scenario.call();
        } catch (Exception | AssertionError e) {
            violation = e.toString();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Verdict verdict = Verdict.of(expect, violation != null);
        return new CheckResult(chapter, name, property, tool(), expect, verdict, millis,
                violation == null ? "" : violation, reproduce());
    }
}
