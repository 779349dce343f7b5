package dev.mybrd.race;

import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;

/**
 * A check the race catalog owns (it is in no chapter): the same check, reproduced by
 * {@code ./lab race ID} instead of {@code ./lab check}.
 */
final class RaceCheck implements Check {
    private final String raceId;
    private final Check check;

    RaceCheck(String raceId, Check check) {
        this.raceId = raceId;
        this.check = check;
    }

    @Override
    public String chapter() {
        return check.chapter();
    }

    @Override
    public String name() {
        return check.name();
    }

    @Override
    public String property() {
        return check.property();
    }

    @Override
    public String tool() {
        return check.tool();
    }

    @Override
    public Expect expect() {
        return check.expect();
    }

    @Override
    public CheckResult run() {
        CheckResult r = check.run();
        return new CheckResult(r.chapter(), r.name(), r.property(), r.tool(), r.expect(), r.verdict(), r.millis(),
                r.detail(), reproduce());
    }

    @Override
    public String reproduce() {
        return "./lab race " + raceId;
    }

    @Override
    public String toString() {
        return chapter() + "/" + name();
    }
}
