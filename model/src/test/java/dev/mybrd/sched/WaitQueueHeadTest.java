package dev.mybrd.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The wait queue on one CPU, without sleeping: queue order, the nr_exclusive budget of
 * __wake_up_common, autoremove, finish_wait, abort_exclusive_wait, and refused bad input. A task may
 * hold several entries of its own, so one thread can lay out any queue.
 */
class WaitQueueHeadTest {
    private final Kernel kernel = new Kernel(2);
    private final WaitQueueHead wq = new WaitQueueHead(kernel, "test_wq");
    private final List<String> woken = new ArrayList<>();

    /** A callback entry ({@code init_waitqueue_func_entry}) that records its wake-up and reports {@code result}. */
    private WaitQueueEntry callback(String name, boolean result) {
        return WaitQueueEntry.initWaitqueueFuncEntry((k, w, mode) -> {
            woken.add(name);
            return result;
        });
    }

    /** Lays out N2, N1, E1, E2, E3 (non-exclusive at the head, exclusive at the tail, in arrival order). */
    private void layOutMixedQueue() {
        wq.addWaitQueue(callback("N1", true));
        wq.addWaitQueueExclusive(callback("E1", true));
        wq.addWaitQueue(callback("N2", true));
        wq.addWaitQueueExclusive(callback("E2", true));
        wq.addWaitQueueExclusive(callback("E3", true));
    }

    @Test
    void wakeUpWakesEveryNonExclusiveWaiterAndOneExclusive() {
        kernel.runOn(0, "waker", () -> {
            layOutMixedQueue();
            wq.wakeUp();
        });
        assertThat(woken).containsExactly("N2", "N1", "E1");
    }

    @Test
    void wakeUpNrWakesAtMostNrExclusiveWaitersOldestFirst() {
        kernel.runOn(0, "waker", () -> {
            layOutMixedQueue();
            wq.wakeUpNr(2);
        });
        assertThat(woken).containsExactly("N2", "N1", "E1", "E2");
    }

    @Test
    void wakeUpNrBeyondTheExclusiveWaitersAndWakeUpAllWakeEveryone() {
        kernel.runOn(0, "waker", () -> {
            layOutMixedQueue();
            wq.wakeUpNr(7);
            assertThat(woken).containsExactly("N2", "N1", "E1", "E2", "E3");
            woken.clear();
            wq.wakeUpAll();
        });
        assertThat(woken).containsExactly("N2", "N1", "E1", "E2", "E3");
    }

    @Test
    void anExclusiveWaiterThatWasNotWokenDoesNotCount() {
        kernel.runOn(0, "waker", () -> {
            wq.addWaitQueueExclusive(callback("E1-already-running", false));
            wq.addWaitQueueExclusive(callback("E2", true));
            wq.addWaitQueueExclusive(callback("E3", true));
            wq.wakeUp();
        });
        assertThat(woken).containsExactly("E1-already-running", "E2");
    }

    @Test
    void prepareToWaitQueuesAtTheHeadAndExclusiveAtTheTail() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry n1 = WaitQueueEntry.defineWait(kernel);
            WaitQueueEntry e1 = WaitQueueEntry.defineWait(kernel);
            WaitQueueEntry n2 = WaitQueueEntry.defineWait(kernel);
            WaitQueueEntry e2 = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWait(n1, Task.TASK_UNINTERRUPTIBLE);
            wq.prepareToWaitExclusive(e1, Task.TASK_UNINTERRUPTIBLE);
            wq.prepareToWait(n2, Task.TASK_UNINTERRUPTIBLE);
            wq.prepareToWaitExclusive(e2, Task.TASK_UNINTERRUPTIBLE);
            wq.prepareToWait(n1, Task.TASK_UNINTERRUPTIBLE); // already queued: stays where it is
            assertThat(wq.entries()).containsExactly(n2, n1, e1, e2);
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_UNINTERRUPTIBLE);
            for (WaitQueueEntry w : List.of(n1, n2, e1, e2)) {
                wq.finishWait(w);
            }
            assertThat(wq.waitqueueActive()).isFalse();
        });
    }

    @Test
    void seededExclusiveAtHeadPutsExclusiveWaitersFirst() {
        WaitQueueHead buggy = new WaitQueueHead(kernel, "buggy_wq", Set.of(WaitBug.EXCLUSIVE_AT_HEAD));
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry n1 = WaitQueueEntry.defineWait(kernel);
            WaitQueueEntry e1 = WaitQueueEntry.defineWait(kernel);
            buggy.prepareToWait(n1, Task.TASK_UNINTERRUPTIBLE);
            buggy.prepareToWaitExclusive(e1, Task.TASK_UNINTERRUPTIBLE);
            assertThat(buggy.entries()).containsExactly(e1, n1);
            buggy.wakeUp();
            assertThat(n1.queued()).as("the non-exclusive waiter behind was not woken").isTrue();
            assertThat(e1.queued()).isFalse();
            buggy.finishWait(n1);
            buggy.finishWait(e1);
        });
    }

    @Test
    void autoremoveUnlinksTheWokenEntryAndFinishWaitLeavesTheTaskRunning() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWait(w, Task.TASK_INTERRUPTIBLE);
            assertThat(wq.waitqueueActive()).isTrue();
            wq.wakeUp();
            assertThat(w.queued()).as("autoremove_wake_function unlinked it").isFalse();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
            wq.finishWait(w);
            assertThat(w.queued()).isFalse();
            assertThat(wq.waitqueueActive()).isFalse();
        });
    }

    @Test
    void finishWaitUnlinksAnEntryNobodyWoke() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWait(w, Task.TASK_UNINTERRUPTIBLE);
            wq.finishWait(w);
            assertThat(w.queued()).isFalse();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
        });
    }

    @Test
    void wakeUpInterruptibleLeavesUninterruptibleSleepersAlone() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWait(w, Task.TASK_UNINTERRUPTIBLE);
            wq.wakeUpInterruptible();
            assertThat(w.queued()).isTrue();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_UNINTERRUPTIBLE);
            wq.finishWait(w);
        });
    }

    @Test
    void abortExclusiveWaitPassesOnAWakeUpItWasChosenFor() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry me = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWaitExclusive(me, Task.TASK_INTERRUPTIBLE);
            wq.addWaitQueueExclusive(callback("next", true));
            wq.wakeUp(); // chooses me
            assertThat(woken).isEmpty();
            wq.abortExclusiveWait(me, Task.TASK_INTERRUPTIBLE); // I give up: the next one gets it
            assertThat(woken).containsExactly("next");
        });
    }

    @Test
    void seededAbortWithoutPassOnLosesTheWakeUpItWasChosenFor() {
        WaitQueueHead seeded = new WaitQueueHead(kernel, "seeded_wq", Set.of(WaitBug.ABORT_WITHOUT_PASS_ON));
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry me = WaitQueueEntry.defineWait(kernel);
            seeded.prepareToWaitExclusive(me, Task.TASK_INTERRUPTIBLE);
            seeded.addWaitQueueExclusive(callback("next", true));
            seeded.wakeUp(); // chooses me
            seeded.abortExclusiveWait(me, Task.TASK_INTERRUPTIBLE);
            assertThat(woken).isEmpty(); // the pre-777c6c5f1f6e abort: "next" is never woken
            assertThat(me.queued()).isFalse();
        });
    }

    @Test
    void defineWaitFuncEntryIsWokenThroughItsOwnFunctionUnderTheLock() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry w = WaitQueueEntry.defineWaitFunc(kernel, (k, entry, mode) -> {
                woken.add(entry.task().comm() + (wq.lock().owner() == k.current() ? " under the lock" : ""));
                return WaitQueueEntry.AUTOREMOVE_WAKE_FUNCTION.wake(k, entry, mode);
            });
            assertThat(w.task()).isSameAs(kernel.current());
            wq.prepareToWait(w, Task.TASK_UNINTERRUPTIBLE);
            wq.wakeUp();
            assertThat(woken).containsExactly("waiter under the lock");
            assertThat(w.queued()).isFalse(); // autoremove unlinked it
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
        });
        assertThatThrownBy(() -> kernel.runOn(0, "waiter", () -> WaitQueueEntry.defineWaitFunc(kernel, null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void abortExclusiveWaitOfAWaiterNobodyChoseOnlyUnlinksIt() {
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry me = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWaitExclusive(me, Task.TASK_INTERRUPTIBLE);
            wq.addWaitQueueExclusive(callback("next", true));
            wq.abortExclusiveWait(me, Task.TASK_INTERRUPTIBLE);
            assertThat(woken).isEmpty();
            assertThat(me.queued()).isFalse();
            assertThat(kernel.current().state()).isEqualTo(Task.TASK_RUNNING);
        });
    }

    @Test
    void prepareToWaitEventRefusesToQueueWhenASignalIsPending() {
        kernel.runOn(0, "waiter", () -> {
            kernel.sendSignal(kernel.current());
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            assertThat(wq.prepareToWaitEvent(w, Task.TASK_INTERRUPTIBLE)).isEqualTo(-Wait.ERESTARTSYS);
            assertThat(w.queued()).isFalse();
            assertThat(wq.prepareToWaitEvent(w, Task.TASK_UNINTERRUPTIBLE)).as("a signal does not end this sleep").isZero();
            assertThat(w.queued()).isTrue();
            wq.finishWait(w);
            kernel.flushSignals();
        });
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        WaitQueueHead other = new WaitQueueHead(kernel, "other_wq");
        kernel.runOn(0, "waiter", () -> {
            WaitQueueEntry w = WaitQueueEntry.defineWait(kernel);
            wq.prepareToWait(w, Task.TASK_UNINTERRUPTIBLE);
            List<WaitQueueEntry> before = wq.entries();

            assertThatThrownBy(() -> wq.prepareToWait(null, Task.TASK_UNINTERRUPTIBLE)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> wq.prepareToWait(w, Task.TASK_RUNNING)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.prepareToWait(w, 7)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.wakeUp(0, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.wakeUp(4, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.wakeUpNr(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wq.addWaitQueue(w)).isInstanceOf(KernelBug.class).hasMessageContaining("already queued on test_wq");
            assertThatThrownBy(() -> other.prepareToWait(w, Task.TASK_UNINTERRUPTIBLE))
                    .isInstanceOf(KernelBug.class).hasMessageContaining("already queued on another wait queue");
            assertThatThrownBy(() -> other.removeWaitQueue(w)).isInstanceOf(KernelBug.class);
            assertThatThrownBy(() -> wq.wakeUpLocked(Task.TASK_NORMAL, 1)).isInstanceOf(KernelBug.class)
                    .hasMessageContaining("without its lock");
            assertThat(wq.entries()).isEqualTo(before);
            assertThat(other.waitqueueActive()).isFalse();
            assertThat(kernel.thisCpu().inAtomic()).as("no lock left held").isFalse();
            wq.finishWait(w);
        });
        Task[] first = new Task[1];
        WaitQueueEntry[] foreign = new WaitQueueEntry[1];
        kernel.runOn(1, "owner", () -> {
            first[0] = kernel.current();
            foreign[0] = WaitQueueEntry.defineWait(kernel);
        });
        kernel.runOn(0, "thief", () -> assertThatThrownBy(() -> wq.prepareToWait(foreign[0], Task.TASK_UNINTERRUPTIBLE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait entry of owner used by task thief"));
        assertThat(foreign[0].queued()).isFalse();
    }

    @Test
    void waitingInAtomicContextIsABug() {
        kernel.runOn(0, "atomic", () -> {
            wq.lock().lock();
            try {
                assertThatThrownBy(() -> Wait.waitEvent(wq, () -> false)).isInstanceOf(AtomicSleepBug.class)
                        .hasMessageContaining("wait_event on test_wq");
            } finally {
                wq.lock().unlock();
            }
        });
    }
}
