package dev.mybrd.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** struct completion: complete lets one waiter through, complete_all everyone; timeouts and signals. */
class CompletionTest {
    private final Kernel kernel = new Kernel(4);
    private final Completion done = new Completion(kernel, "done");
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void noOops() {
        threads.forEach(WaitTesting::join);
        assertThat(kernel.oopses()).isEmpty();
    }

    private Thread kthread(int cpu, String comm, Runnable body) {
        Thread t = kernel.kthreadRun(cpu, comm, body);
        threads.add(t);
        return t;
    }

    @Test
    void aCompleteBeforeTheWaitIsKept() {
        kernel.runOn(0, "completer", done::complete);
        kernel.runOn(1, "waiter", () -> {
            assertThat(done.completionDone()).isTrue();
            done.waitForCompletion();
            assertThat(done.completionDone()).isFalse();
            assertThat(done.tryWaitForCompletion()).isFalse();
        });
    }

    @Test
    void theSeededLocklessTestStillPassesACompleteThatCameFirst() {
        Completion seeded = new Completion(kernel, "seeded", Set.of(WaitBug.COMPLETION_TEST_WITHOUT_LOCK));
        kernel.runOn(0, "completer", seeded::complete);
        kernel.runOn(1, "waiter", seeded::waitForCompletion); // only a complete() inside the window is lost
        assertThat(seeded.completionDone()).isFalse();
        assertThatThrownBy(() -> new Completion(kernel, "x", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void completeLetsExactlyOneOfTwoWaitersThroughOldestFirst() {
        AtomicInteger through = new AtomicInteger();
        Thread first = kthread(0, "first", () -> {
            done.waitForCompletion();
            through.incrementAndGet();
        });
        WaitTesting.awaitQueued(kernel, 3, done.waitQueue(), 1);
        Thread second = kthread(1, "second", () -> {
            done.waitForCompletion();
            through.incrementAndGet();
        });
        WaitTesting.awaitQueued(kernel, 3, done.waitQueue(), 2);
        kernel.runOn(2, "completer", done::complete);
        WaitTesting.join(first);
        assertThat(through.get()).isEqualTo(1);
        assertThat(second.isAlive()).isTrue();
        assertThat(kernel.runOn(3, "observer", done.waitQueue()::entries)).singleElement()
                .satisfies(e -> assertThat(e.task().comm()).isEqualTo("second"));
        kernel.runOn(2, "completer", done::complete);
        WaitTesting.join(second);
        assertThat(through.get()).isEqualTo(2);
    }

    @Test
    void completeAllLetsEveryoneThroughNowAndLater() {
        for (int i = 0; i < 3; i++) {
            kthread(i, "waiter" + i, done::waitForCompletion);
        }
        WaitTesting.awaitQueued(kernel, 3, done.waitQueue(), 3);
        kernel.runOn(3, "completer", done::completeAll);
        threads.forEach(WaitTesting::join);
        kernel.runOn(0, "late", () -> {
            done.waitForCompletion();
            assertThat(done.tryWaitForCompletion()).isTrue();
        });
        kernel.runOn(0, "reuse", () -> {
            done.reinitCompletion();
            assertThat(done.completionDone()).isFalse();
        });
    }

    @Test
    void waitForCompletionTimeoutReturnsZeroOrTheTimeLeft() {
        kernel.runOn(0, "timer", () -> {
            assertThat(done.waitForCompletionTimeout(TimeUnit.MILLISECONDS.toNanos(20))).isZero();
            assertThat(done.waitQueue().waitqueueActive()).isFalse();
            done.complete();
            assertThat(done.waitForCompletionTimeout(0)).as("done at once, no time given").isEqualTo(1);
            assertThatThrownBy(() -> done.waitForCompletionTimeout(-1)).isInstanceOf(IllegalArgumentException.class);
        });
        AtomicLong left = new AtomicLong(-1);
        long timeout = TimeUnit.SECONDS.toNanos(30);
        Thread t = kthread(0, "timed", () -> left.set(done.waitForCompletionTimeout(timeout)));
        WaitTesting.awaitQueued(kernel, 3, done.waitQueue(), 1);
        kernel.runOn(1, "completer", done::complete);
        WaitTesting.join(t);
        assertThat(left.get()).isPositive().isLessThanOrEqualTo(timeout);
    }

    @Test
    void aSignalEndsAnInterruptibleWaitWithoutConsumingADone() {
        AtomicReference<Task> waiter = new AtomicReference<>();
        AtomicLong result = new AtomicLong(1);
        Thread t = kthread(0, "interruptible", () -> {
            waiter.set(kernel.current());
            result.set(done.waitForCompletionInterruptible());
            kernel.flushSignals();
        });
        WaitTesting.awaitQueued(kernel, 3, done.waitQueue(), 1);
        kernel.sendSignal(waiter.get());
        WaitTesting.join(t);
        assertThat(result.get()).isEqualTo(-Wait.ERESTARTSYS);
        kernel.runOn(1, "checker", () -> {
            assertThat(done.waitQueue().waitqueueActive()).isFalse();
            done.complete();
            assertThat(done.tryWaitForCompletion()).isTrue();
        });
    }
}
