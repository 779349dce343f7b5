package dev.mybrd.lincheck.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sbitmap.SbitmapQueue;
import dev.mybrd.sbitmap.SbqWait;
import dev.mybrd.sbitmap.SbqWaitState;
import dev.mybrd.sched.WaitQueueEntry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A task asleep in {@code blk_mq_get_tag}, as the wakers see it: an exclusive entry on one of the
 * sbitmap queue's wait queues, counted in {@code ws_active}. Its wake function does what
 * {@code autoremove_wake_function} does for the sleeping task (wake it, unlink the entry, answer
 * "woken") and records the wake-up instead of resuming a thread, so a check can ask which waiters
 * the frees woke without running a thread per waiter. An optional action runs inside the wake-up,
 * where the waker holds the wait-queue lock with interrupts off.
 */
public final class RecordingWaiter {
    private static final VarHandle WOKEN;

    static {
        try {
            WOKEN = MethodHandles.lookup().findVarHandle(RecordingWaiter.class, "woken", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final SbqWaitState ws;
    private final SbqWait sbqWait;
    private final Runnable onWake;
    @SuppressWarnings("unused") private boolean woken;

    private RecordingWaiter(String name, SbqWaitState ws, Runnable onWake) {
        this.name = name;
        this.ws = ws;
        this.onWake = onWake;
        this.sbqWait = new SbqWait(WaitQueueEntry.initWaitqueueFuncEntry(this::wake));
    }

    /** Queues a waiter on {@code ws}; must run as a task ({@code Kernel.runOn}). */
    public static RecordingWaiter queue(SbitmapQueue sbq, SbqWaitState ws, String name, Runnable onWake) {
        RecordingWaiter w = new RecordingWaiter(name, ws, onWake);
        sbq.queueWaiter(ws, w.sbqWait);
        return w;
    }

    public static RecordingWaiter queue(SbitmapQueue sbq, SbqWaitState ws, String name) {
        return queue(sbq, ws, name, () -> { });
    }

    /** The wake function: called under {@code ws->wait.lock}. */
    private boolean wake(Kernel kernel, WaitQueueEntry entry, int mode) {
        ws.waitQueue().removeWaitQueueLocked(entry);
        WOKEN.setVolatile(this, true);
        onWake.run();
        return true;
    }

    public boolean woken() {
        return (boolean) WOKEN.getVolatile(this);
    }

    @Override
    public String toString() {
        return name + " on " + ws + (woken() ? " (woken)" : " (asleep)");
    }
}
