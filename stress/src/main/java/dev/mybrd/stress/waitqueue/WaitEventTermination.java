package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/*
 * P11 on real sleeps (jcstress Mode.Termination): the waiter runs wait_event(wq, flag), which parks
 * its thread in schedule() until try_to_wake_up sets it running; the waker sets the flag, runs smp_mb()
 * and wakes the queue if waitqueue_active(). The waiter must always return (TERMINATED). STALE is a
 * lost wake-up. Unlike Lincheck's model checker, nothing here wakes a parked thread on purpose (a rare
 * spurious return of park() just parks again), so this shows the real park/unpark hand-over of
 * Kernel.schedule and try_to_wake_up.
 *
 * Run: java -jar stress/target/jcstress.jar -t WaitEventTermination -m quick
 * Seeded variant with the same outcomes: WaitEventTerminationTestBeforeRegister (not in the gate: see
 * its comment; LostWakeUpTestBeforeRegister and Lincheck catch that bug reliably).
 */
@JCStressTest(Mode.Termination)
@StressCheck(chapter = "wait-queue", property = "P11 no lost wake-up: a sleeping waiter returns", seeded = "")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "The waiter returned: it saw the flag, or it slept and was woken.")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "The waiter still sleeps although the flag is set: a lost wake-up.")
@State
public class WaitEventTermination {
    private final Kernel kernel = new Kernel(2);
    private final EventFlag flag = new EventFlag(kernel, "term_wq", Set.of());

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
