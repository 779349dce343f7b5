package dev.mybrd.lib;

import dev.mybrd.kernel.Kernel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct percpu_ref} of v4.4's {@code lib/percpu-refcount.c}: a reference count that is
 * cheap to take while it is "live" and can be killed, after which new tries fail and the count can
 * reach zero; the block layer's {@code q_usage_counter} (queue freeze) is one.
 *
 * <p><b>States.</b> The ref starts live, in per-CPU mode, holding its initial reference.
 * {@link #kill} ({@code percpu_ref_kill}) marks it DEAD, switches it to atomic mode and drops the
 * initial reference; once every holder has put its reference the count reaches zero and the release
 * callback runs (for {@code q_usage_counter}: wake up the freeze waiters). {@link #reinit}
 * ({@code percpu_ref_reinit}, which v4.4's unfreeze uses and which WARNs unless the count is zero)
 * clears DEAD, takes the initial reference back and returns to per-CPU mode. {@link #isZero}
 * ({@code percpu_ref_is_zero}) is false in per-CPU mode whatever the counts, because a per-CPU count
 * cannot be read exactly: a freeze waiter can only be satisfied after a kill.
 *
 * <p><b>What is folded.</b> The kernel keeps per-CPU counters in per-CPU mode and sums them into the
 * atomic count when it switches to atomic mode, after an RCU-sched grace period so that every
 * per-CPU operation begun before the switch has finished. The model keeps one atomic count in both
 * modes (with the kernel's {@code PERCPU_COUNT_BIAS} added while in per-CPU mode, so the count cannot
 * read zero there), which is what the grace period makes the per-CPU counters equal to. The states,
 * the DEAD flag, the initial reference and the kernel's warnings on misuse are v4.4's; the races this
 * type is used for (KR-18) are between kill and reinit, not inside the per-CPU fast path.
 *
 * <p>Misuse the kernel WARNs about is logged as a {@code WARNING} line in dmesg and counted
 * ({@link #warnings}), and the model carries on as the kernel does: a second kill
 * ("percpu_ref_kill_and_confirm called more than once") drops the initial reference a second time.
 */
public final class PercpuRef {
    /** {@code PERCPU_COUNT_BIAS}: {@code 1LU << (BITS_PER_LONG - 1)}; a large bias serves the model. */
    static final long PERCPU_COUNT_BIAS = 1L << 40;
    private static final VarHandle COUNT;
    private static final VarHandle FLAGS;
    private static final int DEAD = 1;
    private static final int ATOMIC = 2;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(PercpuRef.class, "count", long.class);
            FLAGS = l.findVarHandle(PercpuRef.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final String name;
    private final Runnable release;
    @SuppressWarnings("unused") private long count;
    @SuppressWarnings("unused") private int flags;
    private volatile int warnings;

    /** {@code percpu_ref_init(ref, release, 0, gfp)}: live, per-CPU mode, one (initial) reference. */
    public PercpuRef(Kernel kernel, String name, Runnable release) {
        if (kernel == null || name == null || release == null) {
            throw new IllegalArgumentException("percpu_ref_init needs a kernel, a name and a release callback");
        }
        this.kernel = kernel;
        this.name = name;
        this.release = release;
        COUNT.setRelease(this, PERCPU_COUNT_BIAS + 1);
    }

    /** {@code percpu_ref_get}: takes a reference the caller knows is allowed (it holds one already). */
    public void get() {
        COUNT.getAndAdd(this, 1L);
    }

    /**
     * {@code percpu_ref_tryget_live}: takes a reference unless the ref is DEAD. In the kernel the
     * test and the increment are one step for other CPUs, because the kill's switch to atomic mode
     * waits for an RCU-sched grace period; the model makes them one step with a compare-and-set.
     */
    public boolean tryGetLive() {
        while (true) {
            int f = (int) FLAGS.getAcquire(this);
            if ((f & DEAD) != 0) {
                return false;
            }
            long c = (long) COUNT.getVolatile(this);
            if ((int) FLAGS.getVolatile(this) != f) {
                continue;
            }
            if (COUNT.compareAndSet(this, c, c + 1)) {
                if (((int) FLAGS.getVolatile(this) & DEAD) == 0) {
                    return true;
                }
                put();
                return false;
            }
        }
    }

    /** {@code percpu_ref_put}: drops a reference; the one that reaches zero runs the release callback. */
    public void put() {
        long c = (long) COUNT.getAndAdd(this, -1L) - 1;
        if (c == 0) {
            release.run();
        }
    }

    /**
     * {@code percpu_ref_kill}: marks the ref DEAD, switches it to atomic mode and drops the initial
     * reference. Killing a DEAD ref WARNs and still drops the initial reference again, as v4.4 does.
     */
    public void kill() {
        int f = (int) FLAGS.getAndBitwiseOr(this, DEAD | ATOMIC);
        if ((f & DEAD) != 0) {
            warn("percpu_ref_kill_and_confirm called more than once on " + name + "!");
        } else {
            COUNT.getAndAdd(this, -PERCPU_COUNT_BIAS);
        }
        put();
    }

    /**
     * {@code percpu_ref_reinit}: back to live per-CPU mode with the initial reference. v4.4 WARNs
     * unless the count is zero (every reference given back after the kill); it reinits anyway.
     */
    public void reinit() {
        if (!isZero()) {
            warn("percpu_ref_reinit on " + name + " whose count is not zero (" + count() + ")");
        }
        COUNT.getAndAdd(this, PERCPU_COUNT_BIAS + 1);
        FLAGS.setRelease(this, 0);
    }

    /** {@code percpu_ref_is_zero}: false in per-CPU mode; otherwise whether the count is zero. */
    public boolean isZero() {
        return ((int) FLAGS.getAcquire(this) & ATOMIC) != 0 && (long) COUNT.getVolatile(this) == 0;
    }

    /** Whether the ref is DEAD ({@code __PERCPU_REF_DEAD}). */
    public boolean isDead() {
        return ((int) FLAGS.getAcquire(this) & DEAD) != 0;
    }

    /** The references held, without the per-CPU bias (for messages and tests). */
    public long count() {
        long c = (long) COUNT.getVolatile(this);
        return c >= PERCPU_COUNT_BIAS / 2 ? c - PERCPU_COUNT_BIAS : c;
    }

    /** The WARNINGs this ref printed. */
    public int warnings() {
        return warnings;
    }

    private synchronized void warn(String message) {
        warnings++;
        kernel.printk("WARNING: lib/percpu-refcount.c: " + message);
    }

    @Override
    public String toString() {
        return name + "{count=" + count() + (isDead() ? ", DEAD" : "")
                + (((int) FLAGS.getAcquire(this) & ATOMIC) != 0 ? ", atomic" : ", percpu") + "}";
    }
}
