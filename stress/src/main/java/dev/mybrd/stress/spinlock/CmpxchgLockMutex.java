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
 * P6 for the old 0/1 cmpxchg lock the chapter starts from (spinlock_t over CmpxchgLock, variant
 * CMPXCHG_LOCK). It is unfair (the Lincheck check seeded-fifo-cmpxchg-lock shows a waiter overtaken)
 * but mutually exclusive, so under TicketLockMutex's outcome specification it must pass.
 *
 * Run: java -jar stress/target/jcstress.jar -t CmpxchgLockMutex -m quick
 */
@JCStressTest
@StressCheck(chapter = "spinlock", property = "P6 mutual exclusion", seeded = "")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "One holder at a time: both increments landed.")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Two holders at once, and one increment was lost.")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "Two holders at once (the increments happened not to collide).")
@Outcome(id = "1, 2", expect = FORBIDDEN, desc = "A waiter was stranded: its ticket will never be served.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a lost increment, or several kinds of damage.")
@State
public class CmpxchgLockMutex {
    private final LockedSection s = new LockedSection(LockBug.CMPXCHG_LOCK);

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
