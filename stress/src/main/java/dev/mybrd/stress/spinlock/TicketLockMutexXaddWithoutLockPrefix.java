package dev.mybrd.stress.spinlock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.locking.LockBug;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug XADD_WITHOUT_LOCK_PREFIX: the ticket is taken with a load and a separate store of tail,
 * as an xadd without the LOCK prefix is on a multiprocessor. Both CPUs can read the same tail, draw
 * ticket 0 and enter together; or one CPU's store of tail lands after the other CPU has already taken,
 * used and released the same ticket, and its own ticket never comes up (a stranded waiter).
 *
 * Same actors and outcome specification as TicketLockMutex (read it first); only the lock differs.
 * Two holders stay FORBIDDEN: this check is expected to observe them, which proves TicketLockMutex
 * would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t TicketLockMutexXaddWithoutLockPrefix -m quick
 */
@JCStressTest
@StressCheck(chapter = "spinlock", property = "P6 mutual exclusion", seeded = "XADD_WITHOUT_LOCK_PREFIX")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "One holder at a time: both increments landed.")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Two holders at once, and one increment was lost.")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "Two holders at once (the increments happened not to collide).")
@Outcome(id = "1, 2", expect = FORBIDDEN, desc = "A waiter was stranded: its ticket will never be served.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a lost increment, or several kinds of damage.")
@State
public class TicketLockMutexXaddWithoutLockPrefix {
    private final LockedSection s = new LockedSection(LockBug.XADD_WITHOUT_LOCK_PREFIX);

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
