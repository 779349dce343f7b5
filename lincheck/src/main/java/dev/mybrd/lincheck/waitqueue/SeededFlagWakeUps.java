package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.sched.WaitBug;
import java.util.Set;

/** {@link FlagWakeUp} with one seeded bug switched on; each must make the P11 check fail. */
public final class SeededFlagWakeUps {
    private SeededFlagWakeUps() {
    }

    /** {@link WaitBug#TEST_BEFORE_REGISTER}: the waiter tests the flag before it queues itself. */
    public static class TestBeforeRegister extends FlagWakeUp {
        @Override
        protected Set<WaitBug> bugs() {
            return Set.of(WaitBug.TEST_BEFORE_REGISTER);
        }
    }
}
