package dev.mybrd.rcu;

import java.util.function.Consumer;

/**
 * {@code struct rcu_head}: the link and the function of one {@code call_rcu} request, embedded in the
 * object it will free (the callback reaches its container as {@code container_of} would, through
 * what the lambda captured).
 *
 * <p>{@code next} and {@code func} belong to the callback list of the CPU the head was queued on and
 * are touched only by tasks on that CPU (with interrupts off or in {@code RCU_SOFTIRQ}), so they are
 * plain fields, as in C. {@code queued} is the {@code CONFIG_DEBUG_OBJECTS_RCU_HEAD} state that lets
 * {@code __call_rcu} refuse a head that is already queued ("Leaked duplicate callback").
 */
public final class RcuHead {
    RcuHead next;
    Consumer<RcuHead> func;
    boolean queued;

    /** A head ready for {@link Rcu#callRcu}. */
    public RcuHead() {
    }

    /** Whether the head waits in a callback list ({@code debug_rcu_head_queue} has marked it). */
    public boolean queued() {
        return queued;
    }
}
