package dev.mybrd.locking;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Lockdep-lite: the part of the kernel's lock validator ({@code kernel/locking/lockdep.c},
 * {@code CONFIG_PROVE_LOCKING}) that the spinlock rules of spec section 3.1 need, one instance per
 * {@link Kernel}, on by default. Like lockdep it judges each acquisition by what it has seen before,
 * not by whether a deadlock actually happens, so a rule broken once is reported on the first run,
 * deterministically, and before the CPU spins.
 *
 * <p><b>What it checks, at {@code spin_acquire} (before the lock word is touched):</b>
 * <ul>
 *   <li><b>R1, inconsistent lock state</b> ({@code mark_lock_irq}/{@code valid_state}). Each lock keeps
 *       usage bits: IN-HARDIRQ / IN-SOFTIRQ (taken in that context; trylocks do not count, they cannot
 *       deadlock) and HARDIRQ-ON / SOFTIRQ-ON (taken with IRQs, resp. IRQs and softirqs, enabled). IN-X
 *       together with X-ON means an X on the holder's CPU can interrupt the holder and spin on the lock
 *       forever. The bits only grow, so the check runs only when a new bit appears.</li>
 *   <li><b>R3, recursion</b> ({@code check_deadlock}): taking a lock the current task already holds, in
 *       any context (a softirq runs on the interrupted task's stack and inherits its held locks).</li>
 *   <li><b>R5, lock order</b> ({@code check_prevs_add}/{@code check_noncircular}): taking B while
 *       holding A records A -> B; taking A while holding B when B reaches A in that graph is reported,
 *       even if the two orders never ran at the same time. As in the kernel, dependencies are recorded
 *       from the innermost held lock of the same irq context (and past it while that one was a trylock),
 *       and trylocks add none of their own.</li>
 * </ul>
 * <p><b>And elsewhere:</b>
 * <ul>
 *   <li><b>R2</b>, {@code spin_unlock_irq} on a lock that {@code spin_lock_irq}/{@code _irqsave} took
 *       while IRQs were already off, or that was taken in a hardirq handler: the unlock would enable
 *       IRQs under a caller that expects them off. Lockdep has no such check (it only warns when IRQs
 *       are enabled in a hardirq handler); spec 3.1 asks the model to check the assumption, so this is
 *       a model extension, reported at the unlock.</li>
 *   <li><b>R4</b>, sleeping with a spinlock held: {@code might_sleep()} reports it (an
 *       {@link AtomicSleepBug}, as {@code ___might_sleep} does, printing the held locks); lockdep-lite
 *       keeps a report naming the spinlocks held.</li>
 * </ul>
 *
 * <p><b>Reporting.</b> A broken rule is kept in {@link #reports()} and thrown as a {@link LockdepBug}
 * at the offending call, which leaves the lock untaken. Unlike the kernel, which switches itself off
 * after the first report ({@code debug_locks_off}), the model keeps validating; {@link #debugLocksOff}
 * turns it off explicitly, e.g. to watch the deadlock itself happen.
 *
 * <p><b>Limits.</b> Classes are per lock instance ({@link LockdepMap}); only spinlocks are tracked;
 * usage is marked at acquisition only (the kernel also marks the held locks when IRQs or softirqs are
 * re-enabled while they are held); the irq-safe -> irq-unsafe dependency check
 * ({@code check_prev_add_irq}) is not modelled.
 */
public final class Lockdep {
    /** The rules, with their numbers from spec section 3.1. */
    public enum Rule {
        /** R1: a lock used in hardirq/softirq context is also taken with that context enabled. */
        INCONSISTENT_USAGE,
        /** R2: {@code spin_unlock_irq} where IRQs were off before the matching lock. */
        UNLOCK_IRQ_WITH_IRQS_OFF,
        /** R3: a task takes a spinlock it holds. */
        RECURSION,
        /** R4: a task sleeps with a spinlock held. */
        SLEEP_WITH_LOCK_HELD,
        /** R5: two locks are taken in both orders (or a longer cycle). */
        CIRCULAR_DEPENDENCY
    }

    /** One report: the rule and the text, which names the locks, tasks, CPUs and contexts. */
    public record Report(Rule rule, String message) {
    }

    // Usage bits (lockdep's LOCK_USED_IN_HARDIRQ, LOCK_ENABLED_HARDIRQ, ...).
    static final int USED_IN_HARDIRQ = 0;
    static final int ENABLED_HARDIRQ = 1;
    static final int USED_IN_SOFTIRQ = 2;
    static final int ENABLED_SOFTIRQ = 3;
    static final int USAGE_BITS = 4;
    private static final String[] USAGE_STR = {"IN-HARDIRQ-W", "HARDIRQ-ON-W", "IN-SOFTIRQ-W", "SOFTIRQ-ON-W"};

    // The acquiring call, kept in the hold word for reports.
    static final int SPIN_LOCK = 0;
    static final int SPIN_LOCK_BH = 1;
    static final int SPIN_LOCK_IRQ = 2;
    static final int SPIN_LOCK_IRQSAVE = 3;
    static final int SPIN_TRYLOCK = 4;
    private static final String[] HOW = {"spin_lock", "spin_lock_bh", "spin_lock_irq", "spin_lock_irqsave",
        "spin_trylock"};

    // IRQ state before the variant ran: known (the _irq/_irqsave variants saved it) or the current one.
    static final int ENTRY_IRQS_ON = 0;
    static final int ENTRY_IRQS_OFF = 1;
    static final int ENTRY_AS_NOW = 2;

    // The hold word: irq context (lockdep's hlock->irq_context: 2 * hardirq + softirq), flags, call.
    private static final int HOLD_CONTEXT_MASK = 3;
    private static final int HOLD_TRYLOCK = 1 << 2;
    private static final int HOLD_IRQS_OFF_ON_ENTRY = 1 << 3;
    private static final int HOLD_HOW_SHIFT = 4;

    // preempt_count layout of v4.4 include/linux/preempt.h (Cpu keeps its masks package-private).
    private static final int SOFTIRQ_MASK = 0xff << 8;
    private static final int HARDIRQ_MASK = 0xf << 16;

    private static final Map<Kernel, Lockdep> INSTANCES = new WeakHashMap<>();

    private volatile boolean debugLocks = true;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    /** {@code lockdep_lock}: serialises graph updates; the fast path never takes it. */
    private final Object graphLock = new Object();

    private Lockdep() {
    }

    /** The validator of {@code kernel}, created on first use. Holds no reference to the kernel. */
    public static Lockdep of(Kernel kernel) {
        synchronized (INSTANCES) {
            Lockdep dep = INSTANCES.get(kernel);
            if (dep == null) {
                Lockdep created = new Lockdep();
                kernel.addAtomicSleepListener(bug -> created.sleptWithLocksHeld(kernel.current(), bug));
                INSTANCES.put(kernel, created);
                dep = created;
            }
            return dep;
        }
    }

    /** Everything reported so far, oldest first. */
    public List<Report> reports() {
        return List.copyOf(reports);
    }

    /** {@code debug_locks}: whether validation is on. */
    public boolean debugLocks() {
        return debugLocks;
    }

    /** {@code debug_locks_off()}: stop validating (acquisitions are no longer judged). */
    public void debugLocksOff() {
        debugLocks = false;
    }

    // ---- lock_acquire --------------------------------------------------------------------------

    /**
     * {@code lock_acquire} for {@code lock}, called after the variant disabled what it disables and
     * before the lock word is touched (for a trylock: right after it succeeded). {@code entry} is the
     * IRQ state before the variant ran ({@link #ENTRY_AS_NOW} for the variants that leave IRQs alone).
     * Throws {@link LockdepBug} if the acquisition breaks R1, R3 or R5. Returns the hold word the
     * caller stores in the lock once it holds it.
     */
    int acquire(Task me, SpinLock lock, int how, int entry) {
        Cpu cpu = me.cpu();
        int pc = cpu.preemptCount();
        boolean irqsOff = cpu.irqsDisabled();
        int irqContext = ((pc & HARDIRQ_MASK) != 0 ? 2 : 0) | ((pc & Cpu.SOFTIRQ_OFFSET) != 0 ? 1 : 0);
        boolean trylock = how == SPIN_TRYLOCK;
        boolean irqsOffOnEntry = entry == ENTRY_AS_NOW ? irqsOff : entry == ENTRY_IRQS_OFF;
        int hold = irqContext | (trylock ? HOLD_TRYLOCK : 0) | (irqsOffOnEntry ? HOLD_IRQS_OFF_ON_ENTRY : 0)
                | how << HOLD_HOW_SHIFT;
        if (!debugLocks) {
            return hold;
        }
        int usage = usage(irqContext, trylock, irqsOff, pc);
        LockdepMap map = lock.depMap;
        if ((usage & ~map.usage()) != 0) {
            markUsage(me, map, usage, hold);
        }
        if (!trylock) {
            Deque<Object> held = me.heldLocks();
            if (!held.isEmpty()) {
                checkDeadlock(me, lock, held, hold);
                checkPrevsAdd(me, lock, held, irqContext, hold);
            }
        }
        return hold;
    }

    /** {@code mark_irqflags}: the usage bits this acquisition shows. */
    private static int usage(int irqContext, boolean trylock, boolean irqsOff, int pc) {
        int bits = 0;
        if (!trylock) {
            if ((irqContext & 2) != 0) {
                bits |= 1 << USED_IN_HARDIRQ;
            }
            if ((irqContext & 1) != 0) {
                bits |= 1 << USED_IN_SOFTIRQ;
            }
        }
        if (!irqsOff) {
            bits |= 1 << ENABLED_HARDIRQ;
            if ((pc & SOFTIRQ_MASK) == 0) {
                bits |= 1 << ENABLED_SOFTIRQ;
            }
        }
        return bits;
    }

    /** {@code mark_lock}: records new bits and checks them against the exclusive ones (R1). */
    private void markUsage(Task me, LockdepMap map, int usage, int hold) {
        String here = where(me, hold);
        for (int bit = 0; bit < USAGE_BITS; bit++) {
            if ((usage & 1 << bit) != 0 && map.usageTrace[bit] == null) {
                map.usageTrace[bit] = here; // published by the fully ordered OR below
            }
        }
        int prev = map.orUsage(usage);
        int added = usage & ~prev;
        int all = prev | usage;
        checkExclusive(map, added, all, USED_IN_HARDIRQ, ENABLED_HARDIRQ, "hardirq", "IRQs");
        checkExclusive(map, added, all, USED_IN_SOFTIRQ, ENABLED_SOFTIRQ, "softirq", "softirqs");
    }

    private void checkExclusive(LockdepMap map, int added, int all, int usedIn, int enabled, String ctx,
                                String what) {
        int pair = 1 << usedIn | 1 << enabled;
        if ((all & pair) != pair || (added & pair) == 0) {
            return;
        }
        int now = (added & 1 << usedIn) != 0 ? usedIn : enabled;
        int before = now == usedIn ? enabled : usedIn;
        report(Rule.INCONSISTENT_USAGE, "INFO: inconsistent lock state (R1): inconsistent {" + USAGE_STR[before]
                + "} -> {" + USAGE_STR[now] + "} usage of " + map.name + ". It was taken " + phrase(before, ctx, what)
                + " by " + map.usageTrace[before] + ", and now " + phrase(now, ctx, what) + " by "
                + map.usageTrace[now] + ". A " + ctx + " that interrupts a holder on its CPU spins on "
                + map.name + " forever: take it with " + (ctx.equals("softirq") ? "spin_lock_bh" : "spin_lock_irqsave")
                + " (or stronger) outside " + ctx + " context.");
    }

    private static String phrase(int bit, String ctx, String what) {
        return bit == USED_IN_HARDIRQ || bit == USED_IN_SOFTIRQ ? "in " + ctx + " context" : "with " + what + " enabled";
    }

    /** {@code check_deadlock}: the task already holds {@code lock} (R3). */
    private void checkDeadlock(Task me, SpinLock lock, Deque<Object> held, int hold) {
        for (Object o : held) {
            if (o == lock) {
                report(Rule.RECURSION, "INFO: possible recursive locking detected (R3): " + where(me, hold)
                        + " acquires " + lock.name() + ", which it already holds (taken in "
                        + context(lock.depMap.hold) + " context by " + how(lock.depMap.hold)
                        + "). spinlock recursion on " + lock.name() + " spins on its own CPU forever.");
            }
        }
    }

    /** {@code check_prevs_add}: records held -> lock for the innermost held lock(s) of this context (R5). */
    private void checkPrevsAdd(Task me, SpinLock lock, Deque<Object> held, int irqContext, int hold) {
        for (Object o : held) { // innermost first
            if (!(o instanceof SpinLock prev)) {
                continue; // other lock kinds are not tracked
            }
            int prevHold = prev.depMap.hold;
            if ((prevHold & HOLD_CONTEXT_MASK) != irqContext) {
                return; // the held locks below belong to the interrupted context
            }
            addDependency(me, prev, lock, hold);
            if ((prevHold & HOLD_TRYLOCK) == 0) {
                return; // a non-trylock entry already linked itself to the ones below
            }
        }
    }

    /** {@code check_prev_add}: adds prev -> next unless next already reaches prev. */
    private void addDependency(Task me, SpinLock prev, SpinLock next, int hold) {
        if (hasEdge(prev.depMap, next.depMap)) {
            return;
        }
        synchronized (graphLock) {
            if (hasEdge(prev.depMap, next.depMap)) {
                return;
            }
            List<LockdepMap.Edge> path = path(next.depMap, prev.depMap);
            if (path != null) {
                StringBuilder chain = new StringBuilder();
                LockdepMap at = next.depMap;
                for (LockdepMap.Edge e : path) {
                    chain.append(at.name).append(" -> ").append(e.to().name).append(" (").append(e.trace())
                            .append("); ");
                    at = e.to();
                }
                report(Rule.CIRCULAR_DEPENDENCY, "INFO: possible circular locking dependency detected (R5): "
                        + where(me, hold) + " takes " + next.name() + " while holding " + prev.name()
                        + ", but the existing dependency chain is " + chain
                        + "a CPU holding " + prev.name() + " and waiting for " + next.name()
                        + " deadlocks with one holding " + next.name() + " and waiting for " + prev.name() + ".");
            }
            prev.depMap.addAfter(new LockdepMap.Edge(next.depMap, where(me, hold) + " took " + next.name()
                    + " while holding " + prev.name()));
        }
    }

    private static boolean hasEdge(LockdepMap from, LockdepMap to) {
        for (LockdepMap.Edge e : from.after()) {
            if (e.to() == to) {
                return true;
            }
        }
        return false;
    }

    /** Breadth-first search for a dependency path from {@code from} to {@code to}; null if none. */
    private static List<LockdepMap.Edge> path(LockdepMap from, LockdepMap to) {
        Map<LockdepMap, LockdepMap.Edge> reachedBy = new HashMap<>();
        Map<LockdepMap, LockdepMap> parent = new HashMap<>();
        Deque<LockdepMap> queue = new ArrayDeque<>();
        queue.add(from);
        parent.put(from, from);
        while (!queue.isEmpty()) {
            LockdepMap m = queue.poll();
            for (LockdepMap.Edge e : m.after()) {
                if (parent.containsKey(e.to())) {
                    continue;
                }
                parent.put(e.to(), m);
                reachedBy.put(e.to(), e);
                if (e.to() == to) {
                    List<LockdepMap.Edge> path = new ArrayList<>();
                    for (LockdepMap at = to; at != from; at = parent.get(at)) {
                        path.add(0, reachedBy.get(at));
                    }
                    return path;
                }
                queue.add(e.to());
            }
        }
        return null;
    }

    // ---- spin_unlock_irq and might_sleep -------------------------------------------------------

    /**
     * R2, at {@code spin_unlock_irq} by the holder: throws if the unlock would enable IRQs that were
     * off on entry. Known when the lock was taken by {@code spin_lock_irq} or
     * {@code spin_lock_irqsave} with IRQs already off, or in a hardirq handler. A plain
     * {@code spin_lock} taken with IRQs off is not judged: {@code local_irq_disable(); spin_lock();
     * ... spin_unlock_irq()} in one function is legal (v4.4's {@code start_flush_work} does it), and
     * the model cannot tell who disabled them.
     */
    void checkUnlockIrq(Task me, SpinLock lock) {
        int hold = lock.depMap.hold;
        if (!debugLocks) {
            return;
        }
        int how = hold >>> HOLD_HOW_SHIFT;
        boolean irqVariant = how == SPIN_LOCK_IRQ || how == SPIN_LOCK_IRQSAVE;
        boolean inHardirq = (hold & HOLD_CONTEXT_MASK) >= 2;
        if (inHardirq || irqVariant && (hold & HOLD_IRQS_OFF_ON_ENTRY) != 0) {
            report(Rule.UNLOCK_IRQ_WITH_IRQS_OFF, "spin_unlock_irq(" + lock.name() + ") in a path entered with IRQs "
                    + "disabled (R2): task " + me + " on " + me.cpu() + " in " + context(hold) + " context took "
                    + lock.name() + " by " + how(hold) + (inHardirq ? " in a hardirq handler" : " with IRQs already off")
                    + ", and spin_unlock_irq would enable IRQs under a caller that expects them off; use "
                    + "spin_lock_irqsave/spin_unlock_irqrestore.");
        }
    }

    /** R4: told by {@code might_sleep()} of a sleep in atomic context; keeps a report if spinlocks are held. */
    private void sleptWithLocksHeld(Task me, AtomicSleepBug bug) {
        if (!debugLocks) {
            return;
        }
        List<String> locks = new ArrayList<>();
        for (Object o : me.heldLocks()) {
            if (o instanceof SpinLock s) {
                locks.add(s.name() + " (taken in " + context(s.depMap.hold) + " context by " + how(s.depMap.hold) + ")");
            }
        }
        if (!locks.isEmpty()) {
            reports.add(new Report(Rule.SLEEP_WITH_LOCK_HELD, "sleeping with spinlock(s) held (R4): task " + me
                    + " holds " + String.join(", ", locks) + ": " + bug.getMessage()));
        }
    }

    // ---- reports -------------------------------------------------------------------------------

    private void report(Rule rule, String message) {
        reports.add(new Report(rule, message));
        throw new LockdepBug(rule, message);
    }

    private static String where(Task me, int hold) {
        return "task " + me + " on " + me.cpu() + " in " + context(hold) + " context (" + how(hold) + ")";
    }

    private static String context(int hold) {
        int c = hold & HOLD_CONTEXT_MASK;
        return c >= 2 ? "hardirq" : c == 1 ? "softirq" : "process";
    }

    private static String how(int hold) {
        return HOW[hold >>> HOLD_HOW_SHIFT];
    }
}
