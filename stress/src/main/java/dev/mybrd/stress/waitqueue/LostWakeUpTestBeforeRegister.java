package dev.mybrd.stress.waitqueue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.sched.WaitBug;
import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug TEST_BEFORE_REGISTER (spec 3.5 (a)): the waiter tests the flag, then queues itself and
 * goes to sleep without testing again. A waker whose store, barrier and waitqueue_active() all fall
 * between the test and prepare_to_wait finds no waiter: "0, 1". Unlike the barrier bugs this
 * interleaving needs no weak memory; Lincheck finds it deterministically (seeded-test-before-register),
 * and this test shows it on real threads.
 *
 * Same actors and outcome specification as LostWakeUp (read it first); only the model variant
 * differs. The gate reports CAUGHT if "0, 1" was observed, MISSED otherwise.
 *
 * Run: java -jar stress/target/jcstress.jar -t LostWakeUpTestBeforeRegister -m quick
 */
@JCStressTest
@StressCheck(chapter = "wait-queue", property = "P11 no lost wake-up: no waiter asleep with the flag set", seeded = "TEST_BEFORE_REGISTER")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The waiter saw the flag and did not sleep.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The waiter went to sleep and the waker woke it through the queue.")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "Lost wake-up: the waiter sleeps, the flag is set, the waker is done and nobody will wake it.")
@State
public class LostWakeUpTestBeforeRegister {
    private final Kernel kernel = new Kernel(2);
    private final StartLine startLine = new StartLine();
    private final EventFlag flag = new EventFlag(kernel, "lw_wq", Set.of(WaitBug.TEST_BEFORE_REGISTER));
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
