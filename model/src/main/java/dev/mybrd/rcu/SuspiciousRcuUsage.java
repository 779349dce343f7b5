package dev.mybrd.rcu;

import dev.mybrd.kernel.KernelBug;

/**
 * lockdep-RCU's "suspicious RCU usage" report ({@code RCU_LOCKDEP_WARN} under
 * {@code CONFIG_PROVE_RCU}): an RCU primitive used where its rules forbid it, such as
 * {@code synchronize_rcu()} inside a read-side critical section (which would wait for itself) or
 * {@code rcu_dereference_protected()} without the update-side lock. The kernel only warns; the model
 * stops the caller, before any state changes, so a check sees the misuse at the step that made it.
 */
public final class SuspiciousRcuUsage extends KernelBug {
    private static final long serialVersionUID = 1L;

    public SuspiciousRcuUsage(String message) {
        super("WARNING: suspicious RCU usage: " + message);
    }
}
