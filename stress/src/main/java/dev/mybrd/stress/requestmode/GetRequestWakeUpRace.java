package dev.mybrd.stress.requestmode;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/*
 * P14, no lost wake-up in get_request: with the request list full (nr_requests = 4, four writes in
 * flight), a task that needs a fifth request races the driver freeing one. get_request fails its check,
 * registers on rl->wait[async] and only then drops queue_lock; freed_request wakes under the same lock.
 * So either the free came first and the task got the freed slot at once, or the task was registered
 * when the free looked and was woken. GetRequestWakeUp (read it first) builds the machine and the
 * watcher that reads a lost wake-up off the model's state.
 *
 * r1 = frees the task needed before it got its request (1; 2 = it missed the first one's wake-up and
 * only the next free woke it), r2 = requests allocated at the end, r3 = the task's bio is in a
 * request the driver holds (1), r4 = the task went to sleep in get_request (1) or not (0).
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.GetRequestWakeUpRace$' -m quick -sc false
 * Seeded variant with the same outcomes: GetRequestWakeUpRegisterAfterUnlock.
 */
@JCStressTest
@StressCheck(chapter = "request-mode", property = "P14 a task sleeping in get_request is woken by a free", seeded = "")
@Outcome(id = "1, 4, 1, 0", expect = ACCEPTABLE, desc = "The free came first: the task took the freed slot without sleeping.")
@Outcome(id = "1, 4, 1, 1", expect = ACCEPTABLE, desc = "The task slept on rl->wait and the free woke it.")
@Outcome(id = "2, 3, 1, 1", expect = FORBIDDEN, desc = "Lost wake-up: the task slept on rl->wait while a request was free; only a second free woke it.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a wrong request count, or the task's bio never reached the driver.")
@State
public class GetRequestWakeUpRace {
    private final GetRequestWakeUp race = new GetRequestWakeUp(Set.of());

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
