package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P11 on the store-buffering core of the lost wake-up: SbWakeUp (read it first) runs the model's
 * waker and the body of prepare_to_wait_exclusive as two tasks. The correct model: both barriers;
 * "0, 0" must never show.
 * r1 = the waker saw the waiter's entry (it would call wake_up), r2 = the waiter saw the flag (it
 * would not sleep); "0, 0" is the lost wake-up, the SB outcome.
 *
 * Run: java -jar stress/target/jcstress.jar -t 'LostWakeUpSB' -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "wait-queue", property = "P11 no lost wake-up: no waiter asleep with the flag set", seeded = "")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The waker saw the entry and would wake the waiter; the waiter read the old flag.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The waker found no entry; the waiter saw the flag and would not sleep.")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both saw each other.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Lost wake-up: the waker found no entry and the waiter read the old flag, so it sleeps and nobody wakes it.")
@State
public class LostWakeUpSB {
    private final SbWakeUp race = new SbWakeUp(Set.of());

    @Actor
    public void waker(II_Result r) {
        r.r1 = race.waker();
    }

    @Actor
    public void waiter(II_Result r) {
        r.r2 = race.waiter();
    }
}
