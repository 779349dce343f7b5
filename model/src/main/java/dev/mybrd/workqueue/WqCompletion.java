package dev.mybrd.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code struct completion} ({@code kernel/sched/completion.c}) reduced to what a flush barrier
 * needs: {@code complete()} and {@code wait_for_completion()}. (The wait-queue chapter models the
 * full primitive in {@code dev.mybrd.sched}; this chapter keeps its own small copy so that it stands
 * alone.)
 *
 * <p>{@code done} counts completions not yet consumed. A waiter queues itself on {@code x->wait} and
 * sleeps uninterruptibly until {@code done} is positive; {@code complete()} increments {@code done}
 * and wakes the first waiter. Both run under {@code x->wait.lock} with interrupts off, and the
 * waiter sets its state before it drops the lock, so a completion can never slip between the
 * waiter's test and its sleep. The sleep is bounded by the kernel's hung-task timeout, and the report
 * names what the task waited for.
 */
public final class WqCompletion {
    private final Kernel kernel;
    private final SpinLock lock;
    private int done;
    private final Deque<Task> waiters = new ArrayDeque<>();

    /** {@code init_completion(x)}. */
    public WqCompletion(Kernel kernel, String name) {
        this.kernel = kernel;
        this.lock = new SpinLock(kernel, name + ".wait.lock");
    }

    /** {@code complete(x)}: may be called from any context. */
    public void complete() {
        boolean flags = lock.lockIrqsave();
        done++;
        Task first = waiters.peekFirst();
        if (first != null) {
            kernel.wakeUpProcess(first);
        }
        lock.unlockIrqrestore(flags);
    }

    /**
     * {@code wait_for_completion(x)}: sleeps in {@code TASK_UNINTERRUPTIBLE} until completed, then
     * consumes the completion. {@code what} names the wait in a hung-task report.
     */
    public void waitForCompletion(String what) {
        kernel.mightSleep("wait_for_completion(" + what + ")");
        Task me = kernel.current();
        lock.lockIrq();
        if (done == 0) {
            waiters.addLast(me);
            me.setBlockedOn(what);
            try {
                do {
                    kernel.setCurrentStateRelaxed(Task.TASK_UNINTERRUPTIBLE);
                    lock.unlockIrq();
                    try {
                        kernel.schedule();
                    } finally {
                        lock.lockIrq();
                    }
                } while (done == 0);
            } catch (RuntimeException e) {
                waiters.remove(me);
                me.setBlockedOn("");
                lock.unlockIrq();
                throw e;
            }
            waiters.remove(me);
            me.setBlockedOn("");
        }
        done--;
        lock.unlockIrq();
    }

    /** {@code completion_done(x)}: a completion is available (a racy snapshot). */
    public boolean completionDone() {
        boolean flags = lock.lockIrqsave();
        boolean r = done > 0;
        lock.unlockIrqrestore(flags);
        return r;
    }
}
