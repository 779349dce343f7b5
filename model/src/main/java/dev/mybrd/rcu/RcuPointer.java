package dev.mybrd.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An RCU-protected pointer ({@code T __rcu *p}) and the accessors the kernel defines for it
 * ({@code include/linux/rcupdate.h}).
 *
 * <p><b>Publish/subscribe.</b> An updater fully initialises an object and then publishes it with
 * {@link #assign} ({@code rcu_assign_pointer}: {@code smp_store_release}); a reader inside a
 * read-side section loads it with {@link #dereference} ({@code rcu_dereference}: a
 * {@code READ_ONCE} plus {@code smp_read_barrier_depends}). The pair is the message-passing pattern
 * (litmus test {@code MP+onceassign+derefonce}): whoever sees the new pointer sees the initialised
 * object (invariant I3 of spec section 3.3). The kernel relies on address dependencies on the read
 * side; Java has none, so the model uses an acquire load, the weakest Java mode that gives the
 * guarantee.
 *
 * <p>Mapping: {@code rcu_assign_pointer} = {@code setRelease}; {@code rcu_dereference} =
 * {@code getAcquire}; {@code RCU_INIT_POINTER} (no readers yet, or storing null) = {@code setOpaque};
 * {@code rcu_access_pointer} (the value is not dereferenced) and {@code rcu_dereference_protected}
 * (the update-side lock excludes every other writer) = {@code getOpaque}.
 *
 * <p>The seeded variant {@link RcuBug#PLAIN_PUBLISH} uses plain accesses for assign and dereference;
 * it exists to show that the checks catch it and is never the default.
 */
public final class RcuPointer<T> {
    private static final VarHandle P;

    static {
        try {
            P = MethodHandles.lookup().findVarHandle(RcuPointer.class, "p", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Object p;
    private final boolean plain;

    /** A pointer holding {@code initial} ({@code RCU_INIT_POINTER}); publish this object safely. */
    public RcuPointer(T initial) {
        this(initial, false);
    }

    private RcuPointer(T initial, boolean plain) {
        this.plain = plain;
        P.setOpaque(this, initial);
    }

    /** A pointer with a seeded bug; only {@link RcuBug#PLAIN_PUBLISH} concerns a pointer. */
    public static <T> RcuPointer<T> seeded(RcuBug bug, T initial) {
        if (bug != RcuBug.PLAIN_PUBLISH) {
            throw new IllegalArgumentException(bug + " is not a bug of rcu_assign_pointer/rcu_dereference");
        }
        return new RcuPointer<>(initial, true);
    }

    /** {@code rcu_assign_pointer(p, v)}: publishes {@code v} after everything written before. */
    public void assign(T v) {
        if (plain) {
            p = v;
        } else {
            P.setRelease(this, v);
        }
    }

    /**
     * {@code rcu_dereference(p)}: the pointer for use inside a read-side section; what was written
     * to the object before it was assigned is visible through it.
     */
    @SuppressWarnings("unchecked")
    public T dereference() {
        return plain ? (T) p : (T) P.getAcquire(this);
    }

    /**
     * {@code rcu_dereference_check(p, rcu_read_lock_held())}: {@link #dereference}, and lockdep-RCU's
     * report if the current CPU is not inside a read-side section of {@code rcu} (classic bug (d):
     * using the pointer where nothing keeps the object alive).
     */
    public T dereference(Rcu rcu) {
        if (!rcu.readLockHeld()) {
            throw new SuspiciousRcuUsage("suspicious rcu_dereference_check() usage: "
                    + "no rcu_read_lock() held on CPU" + rcu.kernel().smpProcessorId());
        }
        return dereference();
    }

    /**
     * {@code rcu_dereference_protected(p, c)}: the updater's load, legal only while {@code c} holds
     * (the update-side lock is held, so the pointer cannot change underneath).
     */
    @SuppressWarnings("unchecked")
    public T dereferenceProtected(boolean updateLockHeld) {
        if (!updateLockHeld) {
            throw new SuspiciousRcuUsage("suspicious rcu_dereference_protected() usage: update-side lock not held");
        }
        return (T) P.getOpaque(this);
    }

    /** {@code RCU_INIT_POINTER(p, v)}: a store without ordering, for null or an unpublished structure. */
    public void initPointer(T v) {
        P.setOpaque(this, v);
    }

    /** {@code rcu_access_pointer(p)}: the value, to compare (with null, say), never to dereference. */
    @SuppressWarnings("unchecked")
    public T accessPointer() {
        return (T) P.getOpaque(this);
    }
}
