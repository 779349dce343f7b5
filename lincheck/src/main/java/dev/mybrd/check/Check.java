package dev.mybrd.check;

/** A runnable check of one property (or of one seeded bug against that property's check). */
public interface Check {
    /** The chapter it belongs to. */
    String chapter();

    /** Its name, unique within the chapter. */
    String name();

    /** The property it checks, with its spec number. */
    String property();

    /** The tool that runs it. */
    String tool();

    /** What it must show. */
    Expect expect();

    /** Runs it; never throws. */
    CheckResult run();

    /** A shell command that reruns only this check. */
    default String reproduce() {
        return "./lab check " + chapter() + " --only " + name();
    }
}
