package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code wait_queue_head_t} and the operations of v4.4's {@code kernel/sched/wait.c}: a spinlock and
 * a list of {@link WaitQueueEntry waiters}.
 *
 * <p><b>Algorithm.</b> A waiter queues its entry and sets its task state under the lock
 * ({@code prepare_to_wait}), tests its condition, and sleeps ({@code schedule}). A waker takes the
 * lock and walks the list from the head ({@code __wake_up_common}), calling each entry's wake
 * function; an entry flagged {@code WQ_FLAG_EXCLUSIVE} that was really woken counts against
 * {@code nr_exclusive}, and the walk stops when that budget reaches 0 (0 at the start means no
 * limit). Non-exclusive entries are queued at the head and exclusive ones at the tail, so one walk
 * wakes every non-exclusive waiter and at most {@code nr_exclusive} exclusive ones, oldest first.
 *
 * <p><b>Invariants.</b> (W2) a wake-up with {@code nr_exclusive = n > 0} wakes every non-exclusive
 * waiter present and {@code min(n, #exclusive)} exclusive ones; (W3) after {@code finish_wait} the
 * entry is on no list and the task is {@code TASK_RUNNING}; (W4) an entry is on at most one queue,
 * once. The list changes only under the lock, which is taken with interrupts saved and disabled
 * ({@code spin_lock_irqsave}), because wake-ups come from interrupt handlers too.
 *
 * <p><b>Ordering.</b> {@code set_current_state} inside {@code prepare_to_wait} is a full barrier
 * after the list add, so a waker that checks {@link #waitqueueActive} without the lock either sees
 * the entry or the waiter's later test sees the waker's condition, provided the waker has its own
 * full barrier between its condition store and that check. {@code waitqueue_active} itself is a
 * lockless read of the list head with no barrier, as in v4.4 (later kernels document the rule above
 * it and add {@code wq_has_sleeper}).
 *
 * <p>Bad input: a null entry, a state or mode that is not a sleeping state, a negative
 * {@code nr_exclusive}, an entry of another task, an entry already queued on another wait queue, or a
 * {@code *_locked} call without the lock is refused with an exception before anything changes.
 */
public final class WaitQueueHead {
    /** Longest list the model walks before it calls the list corrupt. */
    private static final int MAX_WAITERS = 4096;

    private final Kernel kernel;
    private final String name;
    private final SpinLock lock;
    private final ListHead taskList = new ListHead(null);
    private final boolean exclusiveAtHead;
    private final boolean abortWithoutPassOn;

    /** {@code init_waitqueue_head(q)}: an empty queue named {@code name} (for lock and hung-task reports). */
    public WaitQueueHead(Kernel kernel, String name) {
        this(kernel, name, Set.of());
    }

    /**
     * A queue with seeded bugs switched on; {@link WaitBug#EXCLUSIVE_AT_HEAD} and
     * {@link WaitBug#ABORT_WITHOUT_PASS_ON} concern the queue, the others are ignored here.
     */
    public WaitQueueHead(Kernel kernel, String name, Set<WaitBug> bugs) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.lock = new SpinLock(kernel, name + ".lock");
        this.exclusiveAtHead = Objects.requireNonNull(bugs, "bugs").contains(WaitBug.EXCLUSIVE_AT_HEAD);
        this.abortWithoutPassOn = bugs.contains(WaitBug.ABORT_WITHOUT_PASS_ON);
    }

    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** {@code q->lock}, for users that queue and wake under it ({@code struct completion}). */
    public SpinLock lock() {
        return lock;
    }

    // ---- queueing --------------------------------------------------------------------------------

    /** {@code add_wait_queue(q, wait)}: queue a non-exclusive entry at the head. */
    public void addWaitQueue(WaitQueueEntry wait) {
        checkEntry(wait);
        boolean flags = lock.lockIrqsave();
        try {
            checkNotQueued(wait, "add_wait_queue");
            wait.setExclusive(false);
            addWaitQueueLockedUnchecked(wait);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code add_wait_queue_exclusive(q, wait)}: queue an exclusive entry at the tail. */
    public void addWaitQueueExclusive(WaitQueueEntry wait) {
        checkEntry(wait);
        boolean flags = lock.lockIrqsave();
        try {
            checkNotQueued(wait, "add_wait_queue_exclusive");
            wait.setExclusive(true);
            taskList.listAddTail(wait.taskList);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code remove_wait_queue(q, wait)}. */
    public void removeWaitQueue(WaitQueueEntry wait) {
        checkEntry(wait);
        boolean flags = lock.lockIrqsave();
        try {
            removeWaitQueueLocked(wait);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code __add_wait_queue_tail_exclusive(q, wait)}: the caller holds {@link #lock()}. */
    public void addWaitQueueTailExclusiveLocked(WaitQueueEntry wait) {
        checkEntry(wait);
        checkLockHeld("__add_wait_queue_tail_exclusive");
        checkNotQueued(wait, "__add_wait_queue_tail_exclusive");
        wait.setExclusive(true);
        taskList.listAddTail(wait.taskList);
    }

    /** {@code __remove_wait_queue(q, wait)}: the caller holds {@link #lock()}; the entry must be queued here. */
    public void removeWaitQueueLocked(WaitQueueEntry wait) {
        checkEntry(wait);
        checkLockHeld("__remove_wait_queue");
        if (!wait.taskList.listEmpty() && !contains(wait)) {
            throw new KernelBug("remove_wait_queue: entry " + wait + " is queued on another wait queue, not " + name);
        }
        wait.taskList.listDelInit();
    }

    /** {@code __add_wait_queue}: head; lock held and entry checked by the caller. */
    private void addWaitQueueLockedUnchecked(WaitQueueEntry wait) {
        taskList.listAdd(wait.taskList);
    }

    // ---- waiting ---------------------------------------------------------------------------------

    /**
     * {@code prepare_to_wait(q, wait, state)}: queue {@code wait} at the head as a non-exclusive
     * waiter unless it is queued already, then {@code set_current_state(state)}, all under the lock.
     * The barrier in {@code set_current_state} comes after the add: a waker's lockless
     * {@link #waitqueueActive} then sees the entry, or this task's next test sees the waker's store.
     */
    public void prepareToWait(WaitQueueEntry wait, int state) {
        checkWaiter(wait, state);
        boolean flags = lock.lockIrqsave();
        try {
            checkNotOnOtherQueue(wait);
            wait.setExclusive(false); // v4.4 clears it just before locking; no waker can tell
            if (wait.taskList.listEmpty()) {
                addWaitQueueLockedUnchecked(wait);
            }
            kernel.setCurrentState(state);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /**
     * {@code prepare_to_wait_exclusive(q, wait, state)}: as {@link #prepareToWait} but flagged
     * {@code WQ_FLAG_EXCLUSIVE} and queued at the tail, behind every non-exclusive waiter and after
     * the exclusive waiters that came before (FIFO).
     */
    public void prepareToWaitExclusive(WaitQueueEntry wait, int state) {
        checkWaiter(wait, state);
        boolean flags = lock.lockIrqsave();
        try {
            checkNotOnOtherQueue(wait);
            wait.setExclusive(true);
            if (wait.taskList.listEmpty()) {
                if (exclusiveAtHead) {
                    taskList.listAdd(wait.taskList); // seeded EXCLUSIVE_AT_HEAD
                } else {
                    taskList.listAddTail(wait.taskList);
                }
            }
            kernel.setCurrentState(state);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /**
     * {@code prepare_to_wait_event(q, wait, state)}, the step of every {@code wait_event*} loop:
     * {@code -ERESTARTSYS} if {@code state} is interruptible and a signal is pending (nothing is
     * queued then); otherwise {@code wait->private = current}, {@code wait->func =
     * autoremove_wake_function}, queue (tail if exclusive, else head) unless queued, set the state; 0.
     */
    public long prepareToWaitEvent(WaitQueueEntry wait, int state) {
        checkEntry(wait);
        checkState(state);
        Task current = kernel.current();
        if ((state & Task.TASK_INTERRUPTIBLE) != 0 && current.signalPending()) {
            return -Wait.ERESTARTSYS;
        }
        boolean flags = lock.lockIrqsave();
        try {
            checkNotOnOtherQueue(wait);
            wait.setWaiter(current, WaitQueueEntry.AUTOREMOVE_WAKE_FUNCTION);
            if (wait.taskList.listEmpty()) {
                if (wait.exclusive()) {
                    taskList.listAddTail(wait.taskList);
                } else {
                    taskList.listAdd(wait.taskList);
                }
            }
            kernel.setCurrentState(state);
        } finally {
            lock.unlockIrqrestore(flags);
        }
        return 0;
    }

    /**
     * {@code finish_wait(q, wait)}: {@code __set_current_state(TASK_RUNNING)}, then unlink the entry
     * unless a waker already did ({@code autoremove_wake_function}). The lockless
     * {@code list_empty_careful} test is safe because every writer of the list holds the lock and
     * the test sees both links at once; if it says "queued" the lock settles it.
     */
    public void finishWait(WaitQueueEntry wait) {
        checkEntry(wait);
        kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
        if (!wait.taskList.listEmptyCareful()) {
            boolean flags = lock.lockIrqsave();
            try {
                wait.taskList.listDelInit();
            } finally {
                lock.unlockIrqrestore(flags);
            }
        }
    }

    /**
     * {@code abort_exclusive_wait(q, wait, mode, key)}: an exclusive waiter gives up (signal,
     * timeout). If its entry is gone a waker chose it, and that wake-up would be lost with it, so it
     * is passed on to the next exclusive waiter ({@code __wake_up_locked_key}, nr 1). Added by
     * Johannes Weiner's "wait: prevent exclusive waiter starvation" (2009); later kernels removed it
     * when {@code ___wait_event} stopped needing it.
     */
    public void abortExclusiveWait(WaitQueueEntry wait, int mode) {
        checkEntry(wait);
        checkMode(mode);
        kernel.setCurrentStateRelaxed(Task.TASK_RUNNING);
        boolean flags = lock.lockIrqsave();
        try {
            if (!wait.taskList.listEmpty()) {
                wait.taskList.listDelInit();
            } else if (!abortWithoutPassOn && waitqueueActive()) { // seeded: the wake-up leaves with us
                wakeUpCommon(mode, 1);
            }
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    // ---- waking ----------------------------------------------------------------------------------

    /** {@code wake_up(q)}: every non-exclusive waiter and one exclusive one. */
    public void wakeUp() {
        wakeUp(Task.TASK_NORMAL, 1);
    }

    /** {@code wake_up_nr(q, nr)}: every non-exclusive waiter and up to {@code nr} exclusive ones (0: all). */
    public void wakeUpNr(int nr) {
        wakeUp(Task.TASK_NORMAL, nr);
    }

    /**
     * {@code wake_up_nr(q, nr)} of v6.2 and later, which returns how many exclusive waiters it woke
     * ("wait: Return number of exclusive waiters awaken", 2022; v4.4's {@code __wake_up} returns
     * nothing). Used by the later kernels' sbitmap, which stops at the first queue that woke someone.
     */
    public int wakeUpNrCounted(int nr) {
        checkNr(nr);
        boolean flags = lock.lockIrqsave();
        try {
            return nr - wakeUpCommon(Task.TASK_NORMAL, nr);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code wake_up_all(q)}. */
    public void wakeUpAll() {
        wakeUp(Task.TASK_NORMAL, 0);
    }

    /** {@code wake_up_interruptible(q)}: as {@link #wakeUp} but only {@code TASK_INTERRUPTIBLE} sleepers. */
    public void wakeUpInterruptible() {
        wakeUp(Task.TASK_INTERRUPTIBLE, 1);
    }

    /** {@code __wake_up(q, mode, nr_exclusive, key)}: {@code __wake_up_common} under the lock, irqsave. */
    public void wakeUp(int mode, int nrExclusive) {
        checkMode(mode);
        checkNr(nrExclusive);
        boolean flags = lock.lockIrqsave();
        try {
            wakeUpCommon(mode, nrExclusive);
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    /** {@code __wake_up_locked(q, mode, nr)}: the caller holds {@link #lock()}. */
    public void wakeUpLocked(int mode, int nrExclusive) {
        checkMode(mode);
        checkNr(nrExclusive);
        checkLockHeld("__wake_up_locked");
        wakeUpCommon(mode, nrExclusive);
    }

    /**
     * {@code __wake_up_common}: walk from the head ({@code list_for_each_entry_safe}: the next node is
     * read before the wake function may unlink the current one), wake each entry, and stop once
     * {@code nr_exclusive} exclusive entries were really woken. The flags are read before the call
     * because a woken task may reuse its entry at once. A count of 0 never reaches 0 after the
     * decrement, so it wakes everyone, as in C. Returns the budget left (v6.2's
     * {@code __wake_up_common} returns it too).
     */
    private int wakeUpCommon(int mode, int nrExclusive) {
        ListHead next;
        for (ListHead curr = taskList.next(); curr != taskList; curr = next) {
            next = curr.next();
            WaitQueueEntry wait = (WaitQueueEntry) curr.owner();
            int entryFlags = wait.flags();
            if (wait.func().wake(kernel, wait, mode)
                    && (entryFlags & WaitQueueEntry.WQ_FLAG_EXCLUSIVE) != 0 && --nrExclusive == 0) {
                break;
            }
        }
        return nrExclusive;
    }

    /**
     * {@code waitqueue_active(q)}: {@code !list_empty(&q->task_list)}, without the lock and without a
     * barrier. A waker may use it to skip an empty queue only after a full barrier
     * ({@code smp_mb()}) that follows its condition store.
     */
    public boolean waitqueueActive() {
        return !taskList.listEmpty();
    }

    /** The entries, head to tail, read under the lock (for checks and reports). */
    public List<WaitQueueEntry> entries() {
        boolean flags = lock.lockIrqsave();
        try {
            return taskList.owners(MAX_WAITERS).stream().map(WaitQueueEntry.class::cast).toList();
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    // ---- argument checks ---------------------------------------------------------------------------

    private boolean contains(WaitQueueEntry wait) {
        return taskList.owners(MAX_WAITERS).contains(wait);
    }

    /** W4: an entry that is queued must be queued here; lock held. */
    private void checkNotOnOtherQueue(WaitQueueEntry wait) {
        if (!wait.taskList.listEmpty() && !contains(wait)) {
            throw new KernelBug("wait entry " + wait + " is already queued on another wait queue, not on " + name
                    + " (finish_wait was skipped)");
        }
    }

    /** W4 for the unconditional adds: queueing an entry twice would corrupt the list; lock held. */
    private void checkNotQueued(WaitQueueEntry wait, String what) {
        if (!wait.taskList.listEmpty()) {
            throw new KernelBug(what + ": wait entry " + wait + " is already queued"
                    + (contains(wait) ? " on " + name : " on another wait queue"));
        }
    }

    private static void checkEntry(WaitQueueEntry wait) {
        Objects.requireNonNull(wait, "wait queue entry");
    }

    private void checkWaiter(WaitQueueEntry wait, int state) {
        checkEntry(wait);
        checkState(state);
        Task current = kernel.current();
        if (wait.task() != current) {
            throw new IllegalArgumentException("wait entry of " + wait.task() + " used by task " + current
                    + ": prepare_to_wait sets the state of current, so only its own entry can wake it");
        }
    }

    private static void checkState(int state) {
        if (state != Task.TASK_INTERRUPTIBLE && state != Task.TASK_UNINTERRUPTIBLE) {
            throw new IllegalArgumentException("not a sleeping task state: " + state);
        }
    }

    private static void checkMode(int mode) {
        if (mode == 0 || (mode & ~Task.TASK_NORMAL) != 0) {
            throw new IllegalArgumentException("not a wake-up mode (a set of sleeping states): " + mode);
        }
    }

    private static void checkNr(int nrExclusive) {
        if (nrExclusive < 0) {
            throw new IllegalArgumentException("nr_exclusive must be 0 (all) or positive, got " + nrExclusive);
        }
    }

    private void checkLockHeld(String what) {
        if (lock.owner() != kernel.current()) {
            throw new KernelBug(what + " on " + name + " without its lock (held by " + lock.owner() + ")");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
