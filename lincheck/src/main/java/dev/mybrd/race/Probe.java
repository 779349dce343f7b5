package dev.mybrd.race;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;

/**
 * One piece of evidence about one variant of a race: a check run in this JVM (Lincheck model
 * checking or a deterministic scenario), or a jcstress test run through the stress module's gate.
 * A probe of the buggy variant must catch the bug; a probe of the fixed variant must pass.
 */
public sealed interface Probe {
    /** A check the catalog owns for race {@code raceId}: reproduced with {@code ./lab race raceId}. */
    static Probe owned(String raceId, Check check) {
        return new InProcess(new RaceCheck(raceId, check));
    }

    /** The catalogued chapter check {@code chapter/name}, reused as a race's probe. */
    static Probe chapter(String chapter, String name) {
        return new InProcess(dev.mybrd.check.Catalog.find(chapter, name));
    }

    /** What the probe must show. */
    Expect expect();

    /** The tool that runs it, as the verdict table names tools. */
    String tool();

    /** A name for the table. */
    String name();

    /** A check run in this JVM: Lincheck or a scenario. */
    record InProcess(Check check) implements Probe {
        @Override
        public Expect expect() {
            return check.expect();
        }

        @Override
        public String tool() {
            return check.tool();
        }

        @Override
        public String name() {
            return check.chapter() + "/" + check.name();
        }
    }

    /**
     * A jcstress test in {@code stress/target/jcstress.jar}, carrying {@code @StressCheck} so the gate
     * grades it (seeded: CAUGHT when a forbidden outcome was seen; otherwise PASS when none was).
     *
     * @param simpleName the test class's simple name, which the gate's {@code -t} matches
     * @param expect CATCHES_BUG for the buggy variant's twin, HOLDS for the fixed one
     */
    record Jcstress(String simpleName, Expect expect) implements Probe {
        @Override
        public String tool() {
            return "jcstress";
        }

        @Override
        public String name() {
            return simpleName;
        }
    }
}
