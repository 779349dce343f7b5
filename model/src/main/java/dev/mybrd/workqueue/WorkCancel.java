package dev.mybrd.workqueue;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cancel_work_sync} and {@code cancel_delayed_work_sync} ({@code __cancel_work_timer} over
 * {@code try_to_grab_pending}): take the work item away from wherever it waits, then wait for an
 * execution in progress, so that on return the item is neither pending nor running.
 *
 * <p><b>try_to_grab_pending</b>, with interrupts off: for a delayed work, stealing the armed timer
 * ({@code del_timer}) hands over its PENDING. Otherwise {@code test_and_set_bit(PENDING)} either
 * wins an idle item (returns 0) or finds it pending; then, under the pool lock, if the data word
 * points to a pwq of that pool the item is on one of its lists and is unlinked there, keeping PENDING
 * (returns 1; a {@code DELAYED} item is activated first so that {@code nr_active} stays right). If the
 * item is pending but on no list yet (another CPU is between its {@code test_and_set_bit} and the
 * insertion, or a timer is firing) the answer is {@code -EAGAIN} and the caller retries; if another
 * canceler owns it ({@code CANCELING}), {@code -ENOENT}.
 *
 * <p><b>__cancel_work_timer</b> retries until it owns PENDING, waiting on {@code cancel_waitq} while
 * another task cancels the same item. It marks the item {@code CANCELING} (so concurrent queuers keep
 * failing and concurrent cancelers wait), flushes it, which waits for an execution in progress, and
 * clears the data word; the {@code smp_mb} after the clear pairs with the waiters'
 * {@code prepare_to_wait} before they test {@code CANCELING}, so a waiter is either seen and woken or
 * sees the item released. The retry loop is bounded: past the bound the model reports a lockup.
 */
final class WorkCancel {
    private static final long RETRY_BOUND_NANOS = 10_000_000_000L;
    /** {@code ENOENT} of {@code errno-base.h}. */
    private static final int ENOENT = 2;

    private record Waiter(Task task, WorkStruct work) {
    }

    /** What try_to_grab_pending answers, and the interrupt state to restore if it succeeded. */
    private record Grab(int ret, boolean irqFlags) {
    }

    private final Workqueues wqs;
    private final Kernel kernel;
    /** {@code static DECLARE_WAIT_QUEUE_HEAD(cancel_waitq)}. */
    private final SpinLock waitqLock;
    private final List<Waiter> cancelWaitq = new ArrayList<>();

    WorkCancel(Workqueues wqs) {
        this.wqs = wqs;
        this.kernel = wqs.kernel();
        this.waitqLock = new SpinLock(kernel, "cancel_waitq.lock");
    }

    /** {@code __cancel_work_timer(work, is_dwork)}: true if the work was pending. */
    boolean cancelWorkTimer(WorkStruct work, boolean isDwork) {
        kernel.mightSleep("cancel_work_sync(" + work + ")");
        work.bind(wqs);
        Grab g;
        long deadline = 0;
        do {
            g = tryToGrabPending(work, isDwork);
            if (g.ret == -ENOENT) {
                waitForOtherCanceler(work);
            }
            if (g.ret < 0) {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + RETRY_BOUND_NANOS;
                } else if (now - deadline > 0) {
                    throw new KernelBug("lockup: cancel_work_sync(" + work + ") could not grab PENDING for "
                            + RETRY_BOUND_NANOS / 1_000_000 + " ms (data 0x" + Long.toHexString(work.data()) + ")");
                }
                Thread.onSpinWait();
            }
        } while (g.ret < 0);
        work.markWorkCanceling(wqs.getWorkPoolId(work));
        kernel.localIrqRestore(g.irqFlags);
        wqs.flushWork(work);
        work.clearWorkData();
        java.lang.invoke.VarHandle.fullFence();
        wakeUpCancelWaiter(work);
        return g.ret == 1;
    }

    /** {@code try_to_grab_pending}: 1 stolen from a list or timer, 0 was idle, -EAGAIN or -ENOENT. */
    private Grab tryToGrabPending(WorkStruct work, boolean isDwork) {
        boolean irqFlags = kernel.localIrqSave();
        if (isDwork && wqs.timers().delTimer(((DelayedWork) work).timer)) {
            return new Grab(1, irqFlags);
        }
        if (!work.testAndSetPending()) {
            return new Grab(0, irqFlags);
        }
        WorkerPool pool = wqs.getWorkPool(work);
        if (pool != null) {
            pool.lock.lock();
            PoolWorkqueue pwq = wqs.getWorkPwq(work);
            if (pwq != null && pwq.pool == pool) {
                if ((work.data() & WorkStruct.WORK_STRUCT_DELAYED) != 0) {
                    pwq.activateDelayedWork(work);
                }
                work.entry.remove(work);
                pwq.decNrInFlight(WorkStruct.getWorkColor(work.data()));
                work.setWorkPoolAndKeepPending(pool.id);
                pool.lock.unlock();
                return new Grab(1, irqFlags);
            }
            pool.lock.unlock();
        }
        kernel.localIrqRestore(irqFlags);
        return new Grab(work.workIsCanceling() ? -ENOENT : Errno.EAGAIN.negative(), irqFlags);
    }

    /** The {@code -ENOENT} branch: sleep on cancel_waitq while another task cancels {@code work}. */
    private void waitForOtherCanceler(WorkStruct work) {
        Task me = kernel.current();
        Waiter w = new Waiter(me, work);
        waitqLock.lockIrq();
        cancelWaitq.add(w);
        kernel.setCurrentState(Task.TASK_UNINTERRUPTIBLE);
        waitqLock.unlockIrq();
        me.setBlockedOn("cancel_work_sync(" + work + ") by another task");
        try {
            if (work.workIsCanceling()) {
                kernel.schedule();
            }
        } finally {
            kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
            me.setBlockedOn("");
            waitqLock.lockIrq();
            cancelWaitq.remove(w);
            waitqLock.unlockIrq();
        }
    }

    /** {@code __wake_up(&cancel_waitq, TASK_NORMAL, 1, work)} with {@code cwt_wakefn}: one waiter of this work. */
    private void wakeUpCancelWaiter(WorkStruct work) {
        waitqLock.lockIrq();
        for (Waiter w : cancelWaitq) {
            if (w.work == work && kernel.tryToWakeUp(w.task, Task.TASK_NORMAL)) {
                break;
            }
        }
        waitqLock.unlockIrq();
    }
}
