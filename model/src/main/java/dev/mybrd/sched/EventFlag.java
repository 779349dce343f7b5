package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Set;

/**
 * A one-shot event: a flag that one task sets and others sleep on, through a wait queue, with the
 * lockless waker short-cut. It is the shape of null_blk's {@code alloc_cmd}/{@code put_tag}, blk-mq's
 * {@code bt_get}/{@code bt_clear_tag} and {@code blk_mq_tag_wakeup_all}, reduced to one flag.
 *
 * <p><b>Protocol</b> (the rule v4.4's {@code wake_up_bit} comment states and later kernels write
 * above {@code waitqueue_active}):
 * <pre>
 *   waiter: wait_event(wq, READ_ONCE(flag))       waker: WRITE_ONCE(flag, 1);
 *           i.e. prepare_to_wait (queue, then             smp_mb();
 *           set_current_state = full barrier),             if (waitqueue_active(&amp;wq))
 *           test flag, schedule(), finish_wait                     wake_up(&amp;wq);
 * </pre>
 * Each side stores (queue entry / flag), then a full barrier, then loads the other side's location.
 * That is the store-buffering (SB) pattern with a fence on both sides, so at least one side sees the
 * other: the waker finds the entry and wakes the task, or the waiter finds the flag and does not
 * sleep (P11). Drop either barrier and both can miss: the waiter sleeps with the flag set and nobody
 * will wake it.
 *
 * <p>The seeded {@link WaitBug}s {@code TEST_BEFORE_REGISTER}, {@code NO_WAKER_BARRIER} and
 * {@code NO_WAITER_BARRIER} change one side; {@code EXCLUSIVE_AT_HEAD} goes to the wait queue.
 */
public final class EventFlag {
    private static final VarHandle FLAG;

    static {
        try {
            FLAG = MethodHandles.lookup().findVarHandle(EventFlag.class, "flag", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final WaitQueueHead wq;
    private final boolean testBeforeRegister;
    private final boolean noWakerBarrier;
    private final boolean noWaiterBarrier;
    @SuppressWarnings("unused") private int flag;

    /** A clear flag with an empty wait queue named {@code name}. */
    public EventFlag(Kernel kernel, String name) {
        this(kernel, name, Set.of());
    }

    /** The same with seeded bugs switched on. */
    public EventFlag(Kernel kernel, String name, Set<WaitBug> bugs) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(bugs, "bugs");
        this.wq = new WaitQueueHead(kernel, name, bugs);
        this.testBeforeRegister = bugs.contains(WaitBug.TEST_BEFORE_REGISTER);
        this.noWakerBarrier = bugs.contains(WaitBug.NO_WAKER_BARRIER);
        this.noWaiterBarrier = bugs.contains(WaitBug.NO_WAITER_BARRIER);
    }

    public WaitQueueHead waitQueue() {
        return wq;
    }

    /** {@code READ_ONCE(flag)}. */
    public boolean isSet() {
        return (int) FLAG.getOpaque(this) != 0;
    }

    // ---- waiter ----------------------------------------------------------------------------------

    /** The waiter: returns once the flag is set; a lost wake-up ends as a hung-task report. */
    public void waitForFlag() {
        if (testBeforeRegister) {
            waitTestingBeforeRegister();
        } else if (noWaiterBarrier) {
            waitWithoutBarrier();
        } else {
            Wait.waitEvent(wq, this::isSet);
        }
    }

    /**
     * The waiter up to the point where it would call {@code schedule()}, for litmus tests that must
     * not block: register and test the flag, in the order of the variant. If the test saw the flag the
     * wait ends as usual ({@code finish_wait}) and this returns true. Otherwise it returns false and
     * leaves the task exactly as {@code schedule()} would find it: in {@code TASK_UNINTERRUPTIBLE},
     * its entry queued. A waker that runs later still sets it running through the queue; if the task
     * is still asleep once the waker is done, nobody will ever wake it (the lost wake-up of P11).
     */
    public boolean registerAndTest() {
        if (testBeforeRegister) {
            if (isSet()) {
                return true;
            }
            wq.prepareToWait(WaitQueueEntry.defineWait(kernel), Task.TASK_UNINTERRUPTIBLE);
            return false;
        }
        if (noWaiterBarrier) {
            WaitQueueEntry wait = WaitQueueEntry.declareWaitqueue(kernel.current());
            addWithoutBarrier(wait);
            if (isSet()) {
                leaveWithoutBarrier(wait);
                return true;
            }
            return false;
        }
        WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
        wq.prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE);
        if (isSet()) {
            wq.finishWait(wait);
            return true;
        }
        return false;
    }

    /**
     * Seeded {@link WaitBug#TEST_BEFORE_REGISTER}: test, then register and sleep, and test again only
     * after a wake-up. A waker running between the test and {@code prepare_to_wait} sees no waiter.
     */
    private void waitTestingBeforeRegister() {
        WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
        sleepingOn(() -> {
            while (!isSet()) {
                wq.prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE);
                kernel.schedule();
            }
        }, wait);
        wq.finishWait(wait);
    }

    /**
     * Seeded {@link WaitBug#NO_WAITER_BARRIER}: {@code DECLARE_WAITQUEUE; add_wait_queue;} then
     * {@code __set_current_state} (no barrier) and the test, so the test's load can pass the list
     * add and the state store.
     */
    private void waitWithoutBarrier() {
        WaitQueueEntry wait = WaitQueueEntry.declareWaitqueue(kernel.current());
        wq.addWaitQueue(wait);
        sleepingOn(() -> {
            for (;;) {
                kernel.setCurrentStateRelaxed(Task.TASK_UNINTERRUPTIBLE);
                if (isSet()) {
                    break;
                }
                kernel.schedule();
            }
        }, wait);
        leaveWithoutBarrier(wait);
    }

    private void addWithoutBarrier(WaitQueueEntry wait) {
        wq.addWaitQueue(wait);
        kernel.setCurrentStateRelaxed(Task.TASK_UNINTERRUPTIBLE);
    }

    /** {@code __set_current_state(TASK_RUNNING); remove_wait_queue(&wq, &wait);} */
    private void leaveWithoutBarrier(WaitQueueEntry wait) {
        kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
        wq.removeWaitQueue(wait);
    }

    /** Runs a hand-written wait loop with the hung-task report naming this queue; unlinks on a report. */
    private void sleepingOn(Runnable loop, WaitQueueEntry wait) {
        Task current = kernel.current();
        String outer = current.blockedOn();
        current.setBlockedOn("flag of wait queue " + wq.name());
        boolean finished = false;
        try {
            loop.run();
            finished = true;
        } finally {
            if (!finished) {
                wq.finishWait(wait);
            }
            current.setBlockedOn(outer);
        }
    }

    // ---- waker -----------------------------------------------------------------------------------

    /**
     * The waker: {@code WRITE_ONCE(flag, 1); smp_mb(); if (waitqueue_active(&wq)) wake_up(&wq);}.
     * Returns whether it saw a waiter (and so called {@code wake_up}).
     */
    public boolean setFlagAndWake() {
        boolean active = setFlagAndCheck();
        if (active) {
            wq.wakeUp();
        }
        return active;
    }

    /**
     * The waker's part of the store-buffering race, without the wake-up: {@code WRITE_ONCE(flag, 1);
     * smp_mb(); return waitqueue_active(&wq);}. It touches no lock and no task, so a litmus test can
     * run it bare; true means the waker would call {@code wake_up}.
     */
    public boolean setFlagAndCheck() {
        FLAG.setOpaque(this, 1);
        if (!noWakerBarrier) {
            VarHandle.fullFence(); // smp_mb(): the flag store before the waitqueue_active load
        }
        return wq.waitqueueActive();
    }
}
