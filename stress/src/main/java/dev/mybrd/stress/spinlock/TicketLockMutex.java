package dev.mybrd.stress.spinlock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P6, mutual exclusion of the ticket spinlock (spec 3.2). Two tasks on CPUs 0 and 1 each take the
 * lock with spin_lock, increment a plain counter and release it. The critical section also counts
 * who is inside with an atomic counter, so a second task entering while the first is still there is
 * seen even when the two increments happen not to interleave; so is an unlock that finds the debug
 * owner field naming the other task (BUG: spinlock wrong owner).
 *
 * r1 = the counter afterwards; r2 = damage seen (LockedSection): 1 two holders, 2 a waiter stranded
 * (head had already passed its ticket). Only "2, 0" is allowed.
 *
 * Run: java -jar stress/target/jcstress.jar -t TicketLockMutex -m quick
 * Seeded variant with the same outcomes: TicketLockMutexXaddWithoutLockPrefix. The old 0/1 cmpxchg
 * lock passes this same check: CmpxchgLockMutex.
 */
@JCStressTest
@StressCheck(chapter = "spinlock", property = "P6 mutual exclusion", seeded = "")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "One holder at a time: both increments landed.")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Two holders at once, and one increment was lost.")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "Two holders at once (the increments happened not to collide).")
@Outcome(id = "1, 2", expect = FORBIDDEN, desc = "A waiter was stranded: its ticket will never be served.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a lost increment, or several kinds of damage.")
@State
public class TicketLockMutex {
    private final LockedSection s = new LockedSection(null);

    @Actor
    public void cpu0() {
        s.run(0, "a");
    }

    @Actor
    public void cpu1() {
        s.run(1, "b");
    }

    @Arbiter
    public void check(II_Result r) {
        r.r1 = s.counter();
        r.r2 = s.damage();
    }
}
