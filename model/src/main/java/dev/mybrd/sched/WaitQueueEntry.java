package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * {@code wait_queue_t} of v4.4 ({@code struct __wait_queue}, renamed {@code wait_queue_entry} in
 * v4.13): one waiter's place on a wait queue. It holds the waiting task ({@code private}), the wake
 * function {@code __wake_up_common} calls for it, the {@code WQ_FLAG_EXCLUSIVE} flag, and the list
 * node. In the kernel it usually lives on the waiter's stack; here it is an object the waiter keeps.
 *
 * <p>The node is changed only under the queue's lock. The flags are written by the waiter itself:
 * {@code prepare_to_wait} clears or sets {@code WQ_FLAG_EXCLUSIVE} and wakers read it under the lock,
 * so the field is opaque ({@code WRITE_ONCE}/{@code READ_ONCE} in spirit; C uses plain accesses).
 */
public final class WaitQueueEntry {
    /** {@code WQ_FLAG_EXCLUSIVE}: a wake-up counts this waiter against its {@code nr_exclusive}. */
    public static final int WQ_FLAG_EXCLUSIVE = 0x01;

    /** {@code default_wake_function}: {@code try_to_wake_up(curr->private, mode, wake_flags)}. */
    public static final WakeFunction DEFAULT_WAKE_FUNCTION = WaitQueueEntry::defaultWakeFunction;
    /** {@code autoremove_wake_function}: wake, and on success unlink the entry at once. */
    public static final WakeFunction AUTOREMOVE_WAKE_FUNCTION = WaitQueueEntry::autoremoveWakeFunction;

    private static final VarHandle FLAGS;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(WaitQueueEntry.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private int flags;
    private Task task;
    private WakeFunction func;
    final ListHead taskList = new ListHead(this);

    private WaitQueueEntry(Task task, WakeFunction func) {
        this.task = task;
        this.func = func;
    }

    /** {@code DEFINE_WAIT(name)}: an entry for the current task, woken by {@link #AUTOREMOVE_WAKE_FUNCTION}. */
    public static WaitQueueEntry defineWait(Kernel kernel) {
        return new WaitQueueEntry(kernel.current(), AUTOREMOVE_WAKE_FUNCTION);
    }

    /**
     * {@code DEFINE_WAIT_FUNC(name, function)}: an entry for the current task with its own wake
     * function, which {@code __wake_up_common} calls under the queue's lock ({@code DEFINE_WAIT} is
     * this with {@link #AUTOREMOVE_WAKE_FUNCTION}).
     */
    public static WaitQueueEntry defineWaitFunc(Kernel kernel, WakeFunction func) {
        return new WaitQueueEntry(kernel.current(), Objects.requireNonNull(func, "DEFINE_WAIT_FUNC needs a function"));
    }

    /** {@code DECLARE_WAITQUEUE(name, tsk)}: an entry for {@code tsk}, woken by {@link #DEFAULT_WAKE_FUNCTION}. */
    public static WaitQueueEntry declareWaitqueue(Task tsk) {
        return new WaitQueueEntry(Objects.requireNonNull(tsk, "DECLARE_WAITQUEUE needs a task"), DEFAULT_WAKE_FUNCTION);
    }

    /** {@code init_waitqueue_func_entry(q, func)}: an entry with no task, only a callback. */
    public static WaitQueueEntry initWaitqueueFuncEntry(WakeFunction func) {
        return new WaitQueueEntry(null, Objects.requireNonNull(func, "init_waitqueue_func_entry needs a function"));
    }

    /**
     * The entry a {@code wait_event*} expansion declares ({@code wait_queue_t __wait;
     * INIT_LIST_HEAD; flags = exclusive ? WQ_FLAG_EXCLUSIVE : 0}); {@code prepare_to_wait_event}
     * fills in the task and the wake function.
     */
    static WaitQueueEntry forWaitEvent(Task current, boolean exclusive) {
        WaitQueueEntry wait = new WaitQueueEntry(current, AUTOREMOVE_WAKE_FUNCTION);
        wait.setExclusive(exclusive);
        return wait;
    }

    /** {@code default_wake_function}. */
    static boolean defaultWakeFunction(Kernel kernel, WaitQueueEntry wait, int mode) {
        Task p = wait.task;
        if (p == null) {
            throw new KernelBug("default_wake_function on a wait entry without a task");
        }
        return kernel.tryToWakeUp(p, mode);
    }

    /**
     * {@code autoremove_wake_function}: after a successful wake the entry leaves the queue here, under
     * the queue's lock, so the woken task's {@code finish_wait} usually finds it unlinked and need not
     * take the lock.
     */
    static boolean autoremoveWakeFunction(Kernel kernel, WaitQueueEntry wait, int mode) {
        boolean woken = defaultWakeFunction(kernel, wait, mode);
        if (woken) {
            wait.taskList.listDelInit();
        }
        return woken;
    }

    /** {@code wait->private}: the waiting task, or null for a callback entry. */
    public Task task() {
        return task;
    }

    /** {@code wait->flags & WQ_FLAG_EXCLUSIVE}. */
    public boolean exclusive() {
        return (flags() & WQ_FLAG_EXCLUSIVE) != 0;
    }

    /** Whether the entry is on a wait queue: {@code !list_empty_careful(&wait->task_list)}. */
    public boolean queued() {
        return !taskList.listEmptyCareful();
    }

    int flags() {
        return (int) FLAGS.getOpaque(this);
    }

    void setExclusive(boolean exclusive) {
        int f = flags();
        FLAGS.setOpaque(this, exclusive ? f | WQ_FLAG_EXCLUSIVE : f & ~WQ_FLAG_EXCLUSIVE);
    }

    WakeFunction func() {
        return func;
    }

    /** What {@code prepare_to_wait_event} sets: {@code private = current}, {@code func = autoremove}. */
    void setWaiter(Task current, WakeFunction fn) {
        this.task = current;
        this.func = fn;
    }

    @Override
    public String toString() {
        return (task == null ? "callback" : task.comm()) + (exclusive() ? "(exclusive)" : "");
    }
}
