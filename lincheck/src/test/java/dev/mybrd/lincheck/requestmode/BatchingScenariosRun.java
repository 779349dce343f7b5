package dev.mybrd.lincheck.requestmode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.BlkBug;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Stability of the batching scenarios: runs each {@code -Drepeat=N} times (default 25) on the correct
 * model, where it must hold every time, and on its seeded bugs, where it must catch them every time
 * with the expected report. Its name does not end in "Test", so {@code mvn verify} leaves it out; run
 * it with {@code mvn -pl lincheck -am test -Dtest=BatchingScenariosRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class BatchingScenariosRun {
    private static final int REPEAT = Integer.getInteger("repeat", 25);

    @Test
    void limitsHoldOnTheModelEveryTime() {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(BatchingLimitsScenario.run(Set.of())).as("run %d", i).isNull();
        }
    }

    @Test
    void limitsCatchTheSeededBugsEveryTime() {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(catching(() -> BatchingLimitsScenario.run(Set.of(BlkBug.BATCHING_UNCAPPED)))).as("run %d", i)
                    .contains("rl->count[0] = 25 above 1.5 x nr_requests 16");
        }
    }

    @Test
    void wokenSleeperHoldsOnTheModelEveryTime() throws InterruptedException {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(WokenSleeperScenario.run(Set.of())).as("run %d", i).isNull();
        }
    }

    @Test
    void wokenSleeperCatchesTheSeededBugEveryTime() throws InterruptedException {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(WokenSleeperScenario.run(Set.of(BlkBug.WOKEN_SLEEPER_NOT_BATCHING))).as("run %d", i)
                    .startsWith("the woken sleeper went back to sleep");
        }
    }

    private interface Scenario {
        String run() throws Exception;
    }

    private static String catching(Scenario s) {
        try {
            return String.valueOf(s.run());
        } catch (Exception | AssertionError e) {
            return e.toString();
        }
    }
}
