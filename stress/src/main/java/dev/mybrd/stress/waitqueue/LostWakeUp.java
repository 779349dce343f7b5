package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P11, no lost wake-up (spec 3.5, KR-01, KR-10), on the model's own wait queue and scheduler states.
 * The waker sets the flag, runs smp_mb() and calls wake_up() if waitqueue_active(); the waiter queues
 * itself with prepare_to_wait (whose set_current_state is a full barrier) and tests the flag. The
 * waiter stops where it would call schedule() (EventFlag.registerAndTest), so a sample never blocks:
 * if it saw no flag it stays in TASK_UNINTERRUPTIBLE with its entry queued, as a sleeper would.
 * Once both actors are done the arbiter looks at the waiter task: still asleep with the flag set is
 * the lost wake-up, since the waker has come and gone. That is the store-buffering shape: each side
 * stores, fences and loads the other side's location, so at least one sees the other.
 *
 * Both actors meet at a StartLine inside their tasks, right before the race, so that their windows
 * overlap (see StartLine; the correct model and every seeded variant use the same line).
 *
 * Run: java -jar stress/target/jcstress.jar -t LostWakeUp -m quick
 * Seeded variants with the same outcomes: LostWakeUpTestBeforeRegister (spec 3.5 (a), in the gate),
 * LostWakeUpNoWakerBarrier (KR-01) and LostWakeUpNoWaiterBarrier (KR-10), both too rare in a short
 * run to be in the gate (measured in their comments).
 */
@JCStressTest
@StressCheck(chapter = "wait-queue", property = "P11 no lost wake-up: no waiter asleep with the flag set", seeded = "")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The waiter saw the flag and did not sleep.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The waiter went to sleep and the waker woke it through the queue.")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "Lost wake-up: the waiter sleeps, the flag is set, the waker is done and nobody will wake it.")
@State
public class LostWakeUp {
    private final Kernel kernel = new Kernel(2);
    private final StartLine startLine = new StartLine();
    private final EventFlag flag = new EventFlag(kernel, "lw_wq", Set.of());
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
