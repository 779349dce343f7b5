package dev.mybrd.check;

/** The outcome of one check, read against its {@link Expect}. */
public enum Verdict {
    /** The property held, as expected. */
    PASS(true),
    /** The property was violated on the correct model. */
    FAIL(false),
    /** The seeded bug was caught. */
    CAUGHT(true),
    /** The documented behaviour was shown. */
    SHOWN(true),
    /** The check did not catch the seeded bug or show the behaviour: it is too weak. */
    MISSED(false),
    /** The check could not run. */
    ERROR(false);

    private final boolean ok;

    Verdict(boolean ok) {
        this.ok = ok;
    }

    /** Whether this verdict is what the check is for. */
    public boolean ok() {
        return ok;
    }

    /** The verdict of a run that found a violation ({@code violated}) or not. */
    public static Verdict of(Expect expect, boolean violated) {
        return switch (expect) {
            case HOLDS -> violated ? FAIL : PASS;
            case CATCHES_BUG -> violated ? CAUGHT : MISSED;
            case SHOWS_BEHAVIOUR -> violated ? SHOWN : MISSED;
        };
    }
}
