package dev.mybrd.check;

/** What a check is expected to show. */
public enum Expect {
    /** The property holds on the correct model: the check must pass. */
    HOLDS,
    /** A seeded bug is switched on: the check must fail, i.e. catch it. */
    CATCHES_BUG,
    /** Documented behaviour that breaks a stronger property (a torn multi-page bio): must be shown. */
    SHOWS_BEHAVIOUR
}
