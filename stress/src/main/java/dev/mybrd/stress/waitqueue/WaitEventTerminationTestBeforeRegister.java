package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.sched.WaitBug;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/*
 * Seeded bug TEST_BEFORE_REGISTER (spec 3.5 (a)): the waiter tests the flag, then queues itself and
 * sleeps without testing again. A waker that runs between the test and prepare_to_wait sees an empty
 * queue, and the waiter sleeps for ever: STALE.
 *
 * Same actor, signal and outcomes as WaitEventTermination (read it first).
 *
 * NOT IN THE GATE (no @StressCheck). jcstress starts the signal only after the actor thread has
 * started, and most of the time a millisecond later, so the window of a few hundred nanoseconds is
 * rarely met: 4 STALE in 2,298 samples in one -m quick -sc false run, none in another 3,276 samples
 * (with the actors aligned, as in LostWakeUp, the waiter's set-up moves its test past the waker).
 * Each STALE also costs jcstress's 30 s stale timeout (Runner.MIN_TIMEOUT_MS) and ends the fork. The
 * deterministic check of this bug is the Lincheck check seeded-test-before-register; on real threads
 * LostWakeUpTestBeforeRegister catches it in every run.
 *
 * Run: java -jar stress/target/jcstress.jar -t WaitEventTerminationTestBeforeRegister -m quick
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter returned: it saw the flag, or it slept and was woken.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "The waiter still sleeps although the flag is set: a lost wake-up.")
@State
public class WaitEventTerminationTestBeforeRegister {
    private final Kernel kernel = new Kernel(2);
    private final EventFlag flag = new EventFlag(kernel, "term_wq", Set.of(WaitBug.TEST_BEFORE_REGISTER));

    /** The waiter task on CPU 0: sleeps on the wait queue until the flag is set. */
    @Actor
    public void waiter() {
        kernel.runOn(0, "waiter", flag::waitForFlag);
    }

    /** The waker task on CPU 1, as soon as jcstress sees the waiter's thread started. */
    @Signal
    public void waker() {
        kernel.runOn(1, "waker", flag::setFlagAndWake);
    }
}
