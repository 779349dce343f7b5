package dev.mybrd.locking;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct lockdep_map} with its {@code struct lock_class} folded in: what lockdep-lite knows about
 * one lock. The kernel keys classes by the lock's initialisation site, so all instances initialised
 * at one place share a class; the model gives each {@link SpinLock} its own, which never confuses two
 * instances but also never generalises from one to another.
 *
 * <ul>
 *   <li>{@code usage}: the usage bits seen so far ({@code lock_class.usage_mask}); only set, never
 *       cleared, by an atomic OR when a new bit appears, so the common path is one read.</li>
 *   <li>{@code usageTrace}: where each bit was first seen ({@code usage_traces}), for reports.</li>
 *   <li>{@code after}: the locks taken while holding this one ({@code locks_after}), copied on write
 *       under {@link Lockdep}'s graph lock and read without it.</li>
 *   <li>{@code hold}: how the current holder took it ({@code struct held_lock}: irq context, trylock,
 *       IRQ state on entry, which call). Written and read only by the holder, so it is plain.</li>
 * </ul>
 */
final class LockdepMap {
    private static final VarHandle USAGE;
    private static final VarHandle AFTER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            USAGE = l.findVarHandle(LockdepMap.class, "usage", int.class);
            AFTER = l.findVarHandle(LockdepMap.class, "after", Edge[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A dependency this lock -> {@code to}, and who first made it. */
    record Edge(LockdepMap to, String trace) {
    }

    private static final Edge[] NONE = new Edge[0];

    final String name;
    @SuppressWarnings("unused") private int usage;
    final String[] usageTrace = new String[Lockdep.USAGE_BITS];
    @SuppressWarnings("unused") private Edge[] after = NONE;
    /** The current holder's {@link Lockdep} hold word; plain, holder-private. */
    int hold;

    LockdepMap(String name) {
        this.name = name;
    }

    int usage() {
        return (int) USAGE.getOpaque(this);
    }

    /** Atomically ORs {@code bits} in; returns the previous mask. Fully ordered, so traces written before are seen. */
    int orUsage(int bits) {
        return (int) USAGE.getAndBitwiseOr(this, bits);
    }

    Edge[] after() {
        return (Edge[]) AFTER.getAcquire(this);
    }

    /** Caller holds the graph lock. */
    void addAfter(Edge e) {
        Edge[] old = after();
        Edge[] next = java.util.Arrays.copyOf(old, old.length + 1);
        next[old.length] = e;
        AFTER.setRelease(this, next);
    }

    @Override
    public String toString() {
        return name;
    }
}
