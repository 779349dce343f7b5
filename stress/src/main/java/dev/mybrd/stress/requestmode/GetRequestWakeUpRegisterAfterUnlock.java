package dev.mybrd.stress.requestmode;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.block.BlkBug;
import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/*
 * Seeded bug GET_REQUEST_REGISTER_AFTER_UNLOCK (spec 3.6, classic bug (a)): get_request drops
 * queue_lock before it registers on rl->wait[async]. A free that runs in that window sees no waiter and
 * wakes nobody; the task then registers and sleeps although a request is free, until the next free.
 *
 * Same actors and outcome specification as GetRequestWakeUpRace (read it first); only the queue's
 * seeded bug differs. The lost wake-up is FORBIDDEN and expected here: the gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.GetRequestWakeUpRegisterAfterUnlock$' -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "request-mode", property = "P14 a task sleeping in get_request is woken by a free", seeded = "GET_REQUEST_REGISTER_AFTER_UNLOCK")
@Outcome(id = "1, 4, 1, 0", expect = ACCEPTABLE, desc = "The free came first: the task took the freed slot without sleeping.")
@Outcome(id = "1, 4, 1, 1", expect = ACCEPTABLE, desc = "The task slept on rl->wait and the free woke it.")
@Outcome(id = "2, 3, 1, 1", expect = FORBIDDEN, desc = "Lost wake-up: the task slept on rl->wait while a request was free; only a second free woke it.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a wrong request count, or the task's bio never reached the driver.")
@State
public class GetRequestWakeUpRegisterAfterUnlock {
    private final GetRequestWakeUp race = new GetRequestWakeUp(Set.of(BlkBug.GET_REQUEST_REGISTER_AFTER_UNLOCK));

    @Actor
    public void sleeper() {
        race.sleeper();
    }

    @Actor
    public void freer() {
        race.freer();
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r1 = race.frees();
        r.r2 = race.allocated();
        r.r3 = race.sleeperHeld();
        r.r4 = race.slept();
    }
}
