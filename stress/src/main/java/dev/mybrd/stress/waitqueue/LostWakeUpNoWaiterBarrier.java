package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.sched.WaitBug;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug NO_WAITER_BARRIER (KR-10, 5266caaf5660 "blk-mq: fix IO hang from sbitmap wakeup race"):
 * the waiter queues itself with add_wait_queue and sets its state with __set_current_state, so no
 * full barrier separates the list add (and the state store) from its load of the flag; the unlock is
 * only a release, which a later load may pass. The waker keeps its smp_mb(). Both can miss, and a
 * waker that finds the entry can also read the old state TASK_RUNNING and skip the task: "0, 1".
 *
 * Same actors and outcome specification as LostWakeUp (read it first); only the model variant
 * differs.
 *
 * NOT IN THE GATE (no @StressCheck): the reordering is real but rare on the 2-core machine. With the
 * start line, a two-thread harness saw 11 lost wake-ups in 50,000 samples for NO_WAKER_BARRIER and 4
 * in 50,000 for NO_WAITER_BARRIER (0 for the correct model), and three -m quick -sc false gate runs
 * under load caught NO_WAKER_BARRIER once (1 in 51,905 samples) and NO_WAITER_BARRIER never, so a
 * short run would report MISSED most of the time. Run it by hand with more time (-m default or more).
 *
 * The gate catches this bug with LostWakeUpSB*, the same race cut down to its store-buffering core
 * (SbWakeUp explains the cuts), where it shows in every quick run.
 *
 * Run: java -jar stress/target/jcstress.jar -t LostWakeUpNoWaiterBarrier -m quick
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The waiter saw the flag and did not sleep.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The waiter went to sleep and the waker woke it through the queue.")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "Lost wake-up: the waiter sleeps, the flag is set, the waker is done and nobody will wake it.")
@State
public class LostWakeUpNoWaiterBarrier {
    private final Kernel kernel = new Kernel(2);
    private final StartLine startLine = new StartLine();
    private final EventFlag flag = new EventFlag(kernel, "lw_wq", Set.of(WaitBug.NO_WAITER_BARRIER));
    private Task waiterTask;

    /** The waker task: WRITE_ONCE(flag, 1); smp_mb(); if (waitqueue_active(wq)) wake_up(wq). */
    @Actor
    public void waker() {
        kernel.runOn(0, "waker", () -> {
            startLine.await();
            flag.setFlagAndWake();
        });
    }

    /** The waiter task, up to schedule(): register, test; r1 = it saw the flag. */
    @Actor
    public void waiter(II_Result r) {
        r.r1 = kernel.runOn(1, "waiter", () -> {
            waiterTask = kernel.current();
            startLine.await();
            return flag.registerAndTest() ? 1 : 0;
        });
    }

    /** After both: r2 = the waiter is still in its sleeping state, i.e. nobody woke it. */
    @Arbiter
    public void asleep(II_Result r) {
        r.r2 = waiterTask.state() == Task.TASK_RUNNING ? 0 : 1;
    }
}
