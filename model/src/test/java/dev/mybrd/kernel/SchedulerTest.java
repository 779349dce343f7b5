package dev.mybrd.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Sleeping and waking: set_current_state, schedule, try_to_wake_up, signals, timeouts, hung tasks. */
class SchedulerTest {
    private final Kernel kernel = new Kernel(2);

    @Test
    void aSleeperGivesUpItsCpuAndRunsAgainAfterWakeUp() throws Exception {
        AtomicReference<Task> sleeper = new AtomicReference<>();
        AtomicBoolean condition = new AtomicBoolean();
        Thread t = kernel.kthreadRun(0, "sleeper", () -> {
            sleeper.set(kernel.current());
            while (true) {
                kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
                if (condition.get()) {
                    break;
                }
                kernel.schedule();
            }
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
        });
        while (sleeper.get() == null || sleeper.get().state() != Task.TASK_UNINTERRUPTIBLE
                || kernel.cpu(0).owner() != null) {
            Thread.onSpinWait();
        }
        kernel.runOn(1, "waker", () -> {
            condition.set(true);
            assertThat(kernel.wakeUpProcess(sleeper.get())).isTrue();
            assertThat(kernel.wakeUpProcess(sleeper.get())).as("already running").isFalse();
        });
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(kernel.oopses()).isEmpty();
    }

    @Test
    void aSignalEndsAnInterruptibleSleepOnly() throws Exception {
        AtomicReference<Task> sleeper = new AtomicReference<>();
        Thread t = kernel.kthreadRun(0, "interruptible", () -> {
            sleeper.set(kernel.current());
            kernel.setCurrentState(Task.TASK_INTERRUPTIBLE);
            kernel.schedule();
            assertThat(kernel.signalPending()).isTrue();
            kernel.flushSignals();
        });
        while (sleeper.get() == null || sleeper.get().state() != Task.TASK_INTERRUPTIBLE) {
            Thread.onSpinWait();
        }
        kernel.sendSignal(sleeper.get());
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(kernel.oopses()).isEmpty();
    }

    @Test
    void scheduleTimeoutReturnsZeroWhenNobodyWakes() {
        kernel.runOn(0, "timer", () -> {
            kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
            assertThat(kernel.scheduleTimeout(TimeUnit.MILLISECONDS.toNanos(20))).isZero();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
        });
    }

    @Test
    void aLostWakeUpIsReportedAsAHungTaskNamingTheWait() {
        kernel.setHungTaskTimeout(TimeUnit.MILLISECONDS.toNanos(50));
        kernel.runOn(0, "forgotten", () -> {
            kernel.current().setBlockedOn("the test's condition");
            kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
            assertThatThrownBy(kernel::schedule).isInstanceOf(HungTaskBug.class)
                    .hasMessageContaining("task forgotten blocked for more than 50 ms waiting for the test's condition");
            assertThat(kernel.thisCpu()).as("the task has a CPU again").isNotNull();
        });
    }

    @Test
    void sleepingInAtomicContextIsABugBeforeAnythingSleeps() {
        kernel.runOn(0, "atomic", () -> {
            kernel.preemptDisable();
            kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
            assertThatThrownBy(kernel::schedule).isInstanceOf(AtomicSleepBug.class);
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
            kernel.preemptEnable();
        });
    }

    @Test
    void contextSwitchesAndIdleAreQuiescentStates() {
        List<Integer> qs = new CopyOnWriteArrayList<>();
        kernel.addQuiescentStateListener(qs::add);
        kernel.runOn(1, "t", kernel::schedule);
        assertThat(qs).containsExactly(1, 1);
    }

    @Test
    void aFailingKernelThreadLeavesAnOops() throws Exception {
        Thread t = kernel.kthreadRun(1, "broken", () -> {
            throw new KernelBug("boom");
        });
        t.join(10_000);
        assertThat(kernel.oopses()).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("oops in broken"));
    }
}
