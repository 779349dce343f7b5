package dev.mybrd.stress.waitqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.sched.WaitBug;
import dev.mybrd.sched.WaitQueueEntry;
import dev.mybrd.sched.WaitQueueHead;
import java.util.Set;

/**
 * The lost wake-up of P11 cut down to its store-buffering core, for the {@code LostWakeUpSB*} tests.
 * Not a test.
 *
 * <p>The waker is a task running the model's {@link EventFlag#setFlagAndCheck}: {@code WRITE_ONCE(flag,
 * 1)}, {@code smp_mb()} (absent under {@link WaitBug#NO_WAKER_BARRIER}), {@code waitqueue_active}; it
 * answers whether {@code setFlagAndWake} would call {@code wake_up}. The waiter is a task running the
 * body of {@code prepare_to_wait_exclusive} on the model's queue: with the queue's lock held, queue the
 * entry ({@code __add_wait_queue_tail_exclusive}) and {@code set_current_state(TASK_UNINTERRUPTIBLE)},
 * a full barrier ({@code __set_current_state}, none, under {@link WaitBug#NO_WAITER_BARRIER}); then
 * test the flag. It stops where it would call {@code schedule()}.
 *
 * <p>Two cuts, neither of which adds an outcome:
 * <ul>
 * <li>The waiter tests the flag just before {@code spin_unlock}, not just after it. A load may always
 *     move from after an unlock (a release) to before it, into the critical section; the kernel's
 *     memory model and Java's both allow it, and no other task takes the lock inside the race (the
 *     waker only tests the list). It removes the model's unlock path (owner and lockdep bookkeeping,
 *     preemption and IRQ state) from between the barrier and the load, where the real
 *     {@code spin_unlock} is a single store. With the test after the unlock, three quick runs caught
 *     NO_WAITER_BARRIER but never NO_WAKER_BARRIER (0 in about 280,000 samples).</li>
 * <li>The waker does not go on to {@code wake_up}; whether it would is its result. That keeps the
 *     samples independent (no lock hand-over between the actors) and as short as the model allows.</li>
 * </ul>
 * Both actors are tasks ({@code Kernel.runOn}) of similar length, so jcstress's strides keep them in
 * step without a {@link StartLine}: with the start line the spinning cut the samples from hundreds of
 * thousands to a few thousand a run, and with a bare waker (no task) the two drifted apart.
 */
final class SbWakeUp {
    private final Kernel kernel = new Kernel(2);
    private final EventFlag flag;
    private final WaitQueueHead wq;
    private final boolean noWaiterBarrier;

    SbWakeUp(Set<WaitBug> bugs) {
        this.flag = new EventFlag(kernel, "sb_wq", bugs);
        this.wq = flag.waitQueue();
        this.noWaiterBarrier = bugs.contains(WaitBug.NO_WAITER_BARRIER);
    }

    /** The waker task on CPU 0: 1 if it saw the waiter's entry (and so would call wake_up). */
    int waker() {
        return kernel.runOn(0, "waker", () -> flag.setFlagAndCheck() ? 1 : 0);
    }

    /** The waiter task on CPU 1, up to schedule(): 1 if it saw the flag (and so would not sleep). */
    int waiter() {
        return kernel.runOn(1, "waiter", () -> {
            WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
            SpinLock lock = wq.lock();
            boolean flags = lock.lockIrqsave();
            wq.addWaitQueueTailExclusiveLocked(wait);
            if (noWaiterBarrier) {
                kernel.setCurrentStateRelaxed(Task.TASK_UNINTERRUPTIBLE);
            } else {
                kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
            }
            int saw = flag.isSet() ? 1 : 0; // before the unlock: see the class comment
            lock.unlockIrqrestore(flags);
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING); // the sample ends here, not in schedule()
            return saw;
        });
    }
}
