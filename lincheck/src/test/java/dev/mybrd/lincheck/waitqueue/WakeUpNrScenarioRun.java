package dev.mybrd.lincheck.waitqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.sched.WaitBug;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Stability of the P12 scenario: runs it {@code -Drepeat=N} times (default 25) on the correct model,
 * where it must hold every time, and on {@link WaitBug#EXCLUSIVE_AT_HEAD}, where it must catch the bug
 * every time. Its name does not end in "Test", so {@code mvn verify} leaves it out; run it with
 * {@code mvn -pl lincheck -am test -Dtest=WakeUpNrScenarioRun -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class WakeUpNrScenarioRun {
    private static final int REPEAT = Integer.getInteger("repeat", 25);

    @Test
    void holdsOnTheModelEveryTime() throws InterruptedException {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(WakeUpNrScenario.run(Set.of())).as("run %d", i).isNull();
        }
    }

    @Test
    void catchesExclusiveAtHeadEveryTime() throws InterruptedException {
        for (int i = 0; i < REPEAT; i++) {
            assertThat(WakeUpNrScenario.run(Set.of(WaitBug.EXCLUSIVE_AT_HEAD))).as("run %d", i)
                    .contains("W2: wake_up_nr(1)");
        }
    }
}
