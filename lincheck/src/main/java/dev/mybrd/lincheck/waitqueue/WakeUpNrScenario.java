package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitBug;
import dev.mybrd.sched.WaitQueueEntry;
import dev.mybrd.sched.WaitQueueHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * P12, deterministic: what one {@code wake_up_nr(nr)} does to a queue of real sleeping tasks.
 *
 * <p>Five kernel threads arrive one after the other and sleep on one wait queue: N1, E1, N2, E2, E3,
 * where N waits with {@code prepare_to_wait} and E with {@code prepare_to_wait_exclusive} (the loop
 * of {@code get_request}: register, test a "released" flag, {@code schedule()}). Each arrives only
 * after the previous one is queued, so the queue's order is fixed. A waker then sets the flag and
 * calls {@code wake_up_nr(nr)} for nr = 1, 2 and 0 (all), each on a fresh queue, then
 * {@code wake_up_all}.
 *
 * <p>Who was woken is recorded where {@code __wake_up_common} decides it: each waiter's entry is
 * {@code DEFINE_WAIT_FUNC} with a wake function that calls {@code autoremove_wake_function} and, when
 * that reports a real wake-up, appends the task to a log. The wake function runs under the wait-queue
 * lock, and the waker copies the log under the same lock ({@code __wake_up_locked}), so the record of
 * one call is exactly what that call woke. (Reading task states after the call, as a first version
 * did, raced with a woken waiter that had already looped back into {@code prepare_to_wait} and set
 * itself {@code TASK_UNINTERRUPTIBLE} on its way out.)
 *
 * <p>Property (W2, W3): {@code wake_up_nr(nr)} wakes every non-exclusive waiter and exactly the
 * {@code min(nr, #exclusive)} oldest exclusive waiters ({@code nr = 0}: all); {@code wake_up_all}
 * then wakes every waiter still asleep; after {@code finish_wait} each task runs and its entry is on
 * no list, and the queue ends empty.
 */
final class WakeUpNrScenario {
    private static final String[] ARRIVALS = {"N1", "E1", "N2", "E2", "E3"};
    private static final int OBSERVER_CPU = 3;
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(20);

    private WakeUpNrScenario() {
    }

    /** Runs nr = 1, 2, 0 against a queue with {@code bugs}; null if P12 held, else what broke. */
    static String run(Set<WaitBug> bugs) throws InterruptedException {
        for (int nr : new int[] {1, 2, 0}) {
            String violation = runOnce(bugs, nr);
            if (violation != null) {
                return violation;
            }
        }
        return null;
    }

    private record Waiter(String name, boolean exclusive, Thread thread) {
    }

    private static String runOnce(Set<WaitBug> bugs, int nr) throws InterruptedException {
        Kernel kernel = new Kernel(4);
        WaitQueueHead wq = new WaitQueueHead(kernel, "rl_wait", bugs);
        AtomicBoolean released = new AtomicBoolean();
        List<String> wakeLog = new ArrayList<>(); // guarded by wq.lock()
        List<String> violations = new CopyOnWriteArrayList<>();
        List<Waiter> waiters = new ArrayList<>();
        for (int i = 0; i < ARRIVALS.length; i++) {
            String name = ARRIVALS[i];
            boolean exclusive = name.startsWith("E");
            Thread t = kernel.kthreadRun(i % OBSERVER_CPU, name,
                    () -> sleepUntilReleased(kernel, wq, exclusive, released, wakeLog, violations));
            waiters.add(new Waiter(name, exclusive, t));
            awaitQueued(kernel, wq, i + 1);
        }
        List<String> order = names(kernel.runOn(OBSERVER_CPU, "observer", wq::entries));

        List<String> woken = kernel.runOn(OBSERVER_CPU, "waker", () -> {
            released.set(true);
            return wakeUpLocked(wq, nr, wakeLog);
        });
        String wakeViolation = checkWoken(waiters, woken, nr, order);

        List<String> wokenByAll = kernel.runOn(OBSERVER_CPU, "waker", () -> wakeUpLocked(wq, 0, wakeLog));
        for (Waiter w : waiters) {
            if (!woken.contains(w.name()) && !wokenByAll.contains(w.name())) {
                violations.add("W2: wake_up_all did not wake " + w.name() + ", asleep since wake_up_nr(" + nr + ")");
            }
        }
        for (Waiter w : waiters) {
            w.thread().join(BOUND_NANOS / 1_000_000);
            if (w.thread().isAlive()) {
                violations.add(w.name() + " still asleep after wake_up_all");
            }
        }
        kernel.oopses().forEach(e -> violations.add("oops: " + e));
        if (wq.waitqueueActive()) {
            violations.add("entries left on the queue after every waiter finished");
        }
        if (wakeViolation != null) {
            violations.add(0, wakeViolation);
        }
        return violations.isEmpty() ? null : String.join("\n", violations);
    }

    /**
     * {@code spin_lock_irqsave(&q->lock); __wake_up_locked(q, TASK_NORMAL, nr);} and, still under the
     * lock, the names the wake functions logged during that walk, head first.
     */
    private static List<String> wakeUpLocked(WaitQueueHead wq, int nr, List<String> wakeLog) {
        boolean flags = wq.lock().lockIrqsave();
        try {
            wakeLog.clear();
            wq.wakeUpLocked(Task.TASK_NORMAL, nr);
            return List.copyOf(wakeLog);
        } finally {
            wq.lock().unlockIrqrestore(flags);
        }
    }

    /** One waiter: the get_request-style loop, then the W3 check after finish_wait. */
    private static void sleepUntilReleased(Kernel kernel, WaitQueueHead wq, boolean exclusive, AtomicBoolean released,
                                           List<String> wakeLog, List<String> violations) {
        String comm = kernel.current().comm();
        WaitQueueEntry wait = WaitQueueEntry.defineWaitFunc(kernel, (k, entry, mode) -> {
            boolean woken = WaitQueueEntry.AUTOREMOVE_WAKE_FUNCTION.wake(k, entry, mode);
            if (woken) {
                wakeLog.add(comm); // under wq.lock(): __wake_up_common holds it
            }
            return woken;
        });
        kernel.current().setBlockedOn("wait queue " + wq.name());
        for (;;) {
            if (exclusive) {
                wq.prepareToWaitExclusive(wait, Task.TASK_UNINTERRUPTIBLE);
            } else {
                wq.prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE);
            }
            if (released.get()) {
                break;
            }
            kernel.schedule();
        }
        wq.finishWait(wait);
        kernel.current().setBlockedOn("");
        if (wait.queued() || kernel.current().state() != Task.TASK_RUNNING) {
            violations.add("W3: after finish_wait " + kernel.current() + " has state " + kernel.current().state()
                    + (wait.queued() ? " and its entry is still queued" : ""));
        }
    }

    private static String checkWoken(List<Waiter> waiters, List<String> woken, int nr, List<String> order) {
        List<String> expected = new ArrayList<>();
        int exclusiveBudget = nr == 0 ? Integer.MAX_VALUE : nr;
        for (Waiter w : waiters) {
            if (!w.exclusive()) {
                expected.add(w.name());
            } else if (exclusiveBudget > 0) {
                expected.add(w.name());
                exclusiveBudget--;
            }
        }
        List<String> wokenInArrivalOrder = waiters.stream().map(Waiter::name).filter(woken::contains).toList();
        if (wokenInArrivalOrder.equals(expected) && woken.size() == expected.size()) {
            return null; // the sizes catch an entry woken twice in one walk
        }
        List<String> missedShared = new ArrayList<>();
        for (Waiter w : waiters) {
            if (!w.exclusive() && !woken.contains(w.name())) {
                missedShared.add(w.name());
            }
        }
        return "W2: wake_up_nr(" + nr + ") on the queue " + order + " (head first) woke " + woken + " (in walk order), expected "
                + expected + (missedShared.isEmpty() ? "" : "; non-exclusive waiters left asleep: " + missedShared);
    }

    private static void awaitQueued(Kernel kernel, WaitQueueHead wq, int n) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (kernel.runOn(OBSERVER_CPU, "observer", () -> wq.entries().size()) < n) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("waiter " + n + " never queued itself on " + wq.name()
                        + "; oopses: " + kernel.oopses());
            }
            Thread.yield();
        }
    }

    private static List<String> names(List<WaitQueueEntry> entries) {
        return entries.stream().map(e -> e.task().comm()).toList();
    }
}
