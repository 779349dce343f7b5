package dev.mybrd.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.HungTaskBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wait_event family with real sleeping tasks: wake-ups, signals, timeouts, hung-task reports. */
class WaitTest {
    private final Kernel kernel = new Kernel(4);
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void noOops() throws InterruptedException {
        for (Thread t : threads) {
            t.join(20_000);
            assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
        }
        assertThat(kernel.oopses()).isEmpty();
    }

    private Thread kthread(int cpu, String comm, Runnable body) {
        Thread t = kernel.kthreadRun(cpu, comm, body);
        threads.add(t);
        return t;
    }

    @Test
    void waitEventReturnsAtOnceWhenTheConditionHolds() {
        EventFlag flag = new EventFlag(kernel, "flag");
        kernel.runOn(0, "waker", flag::setFlagAndWake);
        kernel.runOn(1, "waiter", () -> {
            flag.waitForFlag();
            assertThat(flag.waitQueue().waitqueueActive()).isFalse();
        });
    }

    @Test
    void everyWaiterOfASetFlagRunsAgainAndLeavesTheQueue() {
        EventFlag flag = new EventFlag(kernel, "flag");
        for (int i = 0; i < 3; i++) {
            kthread(i, "waiter" + i, flag::waitForFlag);
        }
        WaitTesting.awaitQueued(kernel, 3, flag.waitQueue(), 3);
        kernel.runOn(3, "waker", () -> assertThat(flag.setFlagAndWake()).isTrue());
        // @AfterEach joins the three waiters: wake_up woke all three non-exclusive waiters.
    }

    @Test
    void waitEventInterruptibleEndsWithErestartsysOnASignal() {
        WaitQueueHead wq = new WaitQueueHead(kernel, "never");
        AtomicReference<Task> waiter = new AtomicReference<>();
        AtomicLong result = new AtomicLong(1);
        kthread(0, "interruptible", () -> {
            waiter.set(kernel.current());
            result.set(Wait.waitEventInterruptible(wq, () -> false));
            assertThat(wq.waitqueueActive()).as("entry gone after finish_wait").isFalse();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
        });
        WaitTesting.awaitQueued(kernel, 1, wq, 1);
        kernel.sendSignal(waiter.get());
        WaitTesting.join(threads.get(0));
        assertThat(result.get()).isEqualTo(-Wait.ERESTARTSYS);
    }

    @Test
    void waitEventTimeoutFollowsV44Results() {
        WaitQueueHead wq = new WaitQueueHead(kernel, "timed");
        kernel.runOn(0, "timer", () -> {
            assertThat(Wait.waitEventTimeout(wq, () -> false, TimeUnit.MILLISECONDS.toNanos(20)))
                    .as("timed out, condition false").isZero();
            assertThat(Wait.waitEventTimeout(wq, () -> true, 0)).as("no time left, condition true").isEqualTo(1);
            assertThat(Wait.waitEventTimeout(wq, () -> false, 0)).as("no time left, condition false").isZero();
            long big = TimeUnit.SECONDS.toNanos(30);
            assertThat(Wait.waitEventTimeout(wq, () -> true, big)).as("condition true at once").isEqualTo(big);
            assertThatThrownBy(() -> Wait.waitEventTimeout(wq, () -> true, -1)).isInstanceOf(IllegalArgumentException.class);
        });
    }

    @Test
    void waitEventTimeoutWokenInTimeReturnsTheTimeLeft() {
        EventFlag flag = new EventFlag(kernel, "flag");
        AtomicLong left = new AtomicLong(-1);
        long timeout = TimeUnit.SECONDS.toNanos(30);
        kthread(0, "timed-waiter", () -> left.set(Wait.waitEventTimeout(flag.waitQueue(), flag::isSet, timeout)));
        WaitTesting.awaitQueued(kernel, 1, flag.waitQueue(), 1);
        kernel.runOn(1, "waker", flag::setFlagAndWake);
        WaitTesting.join(threads.get(0));
        assertThat(left.get()).isPositive().isLessThanOrEqualTo(timeout);
    }

    @Test
    void aWaiterNobodyWakesIsReportedAsHungNamingTheWaitQueue() {
        kernel.setHungTaskTimeout(TimeUnit.MILLISECONDS.toNanos(50));
        WaitQueueHead wq = new WaitQueueHead(kernel, "forgotten_wq");
        kernel.runOn(0, "sleeper", () -> {
            assertThatThrownBy(() -> Wait.waitEvent(wq, () -> false)).isInstanceOf(HungTaskBug.class)
                    .hasMessageContaining("task sleeper blocked for more than 50 ms waiting for wait_event on wait queue forgotten_wq");
            assertThat(wq.waitqueueActive()).as("the entry was unlinked on the way out").isFalse();
            assertThat(kernel.current().blockedOn()).isEmpty();
        });
    }

    @Test
    void everySeededWaiterStillWorksWhenNoRaceHappens() {
        for (WaitBug bug : List.of(WaitBug.TEST_BEFORE_REGISTER, WaitBug.NO_WAITER_BARRIER, WaitBug.NO_WAKER_BARRIER)) {
            EventFlag flag = new EventFlag(kernel, "flag-" + bug, java.util.Set.of(bug));
            Thread t = kthread(0, "waiter-" + bug, flag::waitForFlag);
            WaitTesting.awaitQueued(kernel, 1, flag.waitQueue(), 1);
            kernel.runOn(1, "waker", flag::setFlagAndWake);
            WaitTesting.join(t);
        }
    }

    @Test
    void registerAndTestStopsWhereScheduleWouldSleepAndAWakerStillFindsTheTask() {
        EventFlag flag = new EventFlag(kernel, "flag");
        AtomicReference<Task> waiter = new AtomicReference<>();
        kernel.runOn(0, "litmus-waiter", () -> {
            waiter.set(kernel.current());
            assertThat(flag.registerAndTest()).as("no flag yet: would sleep").isFalse();
            assertThat(flag.waitQueue().waitqueueActive()).isTrue();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_UNINTERRUPTIBLE);
        });
        kernel.runOn(1, "litmus-waker", () -> assertThat(flag.setFlagAndWake()).as("finds the entry").isTrue());
        assertThat(waiter.get().state()).as("woken through the queue").isEqualTo(Task.TASK_RUNNING);
        assertThat(flag.waitQueue().waitqueueActive()).as("autoremoved").isFalse();
        kernel.runOn(0, "late-waiter", () -> {
            assertThat(flag.registerAndTest()).isTrue();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
            assertThat(flag.waitQueue().waitqueueActive()).isFalse();
        });
    }
}
