package dev.mybrd.locking;

import dev.mybrd.kernel.KernelBug;

/**
 * A lockdep-lite report ({@link Lockdep}), thrown at the acquisition (or {@code spin_unlock_irq}) that
 * breaks a locking rule, before the CPU could spin into the deadlock the rule exists to prevent.
 */
public final class LockdepBug extends KernelBug {
    private static final long serialVersionUID = 1L;
    private final Lockdep.Rule rule;

    public LockdepBug(Lockdep.Rule rule, String message) {
        super(message);
        this.rule = rule;
    }

    /** The rule that was broken. */
    public Lockdep.Rule rule() {
        return rule;
    }
}
