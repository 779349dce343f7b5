package dev.mybrd.rcu;

import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;

/**
 * The RCU read side of a non-preemptible v4.4 kernel ({@code CONFIG_TREE_RCU}): {@code rcu_read_lock()}
 * is {@code preempt_disable()}, so a reader cannot sleep or migrate, and a CPU that passes a
 * scheduling point has left every read-side section it was in (a quiescent state).
 *
 * <p>This is the read side only, enough for the page store, whose pages are never removed while the
 * device exists. Publication is done by the data structure itself with release stores
 * ({@code rcu_assign_pointer}) and acquire loads ({@code rcu_dereference}); the nesting depth is kept
 * per CPU to report unbalanced unlocks and to answer {@code rcu_read_lock_held()}.
 */
public final class Rcu {
    private final Kernel kernel;
    private final int[] nesting;

    public Rcu(Kernel kernel) {
        this.kernel = kernel;
        this.nesting = new int[kernel.nrCpus()];
    }

    /** {@code rcu_read_lock()}. */
    public void readLock() {
        kernel.preemptDisable();
        nesting[kernel.smpProcessorId()]++;
    }

    /** {@code rcu_read_unlock()}. */
    public void readUnlock() {
        Cpu cpu = kernel.thisCpu();
        KernelBug.bugOn(nesting[cpu.id()] == 0, "rcu_read_unlock() outside a read-side section on " + cpu.describe());
        nesting[cpu.id()]--;
        kernel.preemptEnable();
    }

    /** {@code rcu_read_lock_held()}: the current CPU is inside a read-side section. */
    public boolean readLockHeld() {
        return nesting[kernel.smpProcessorId()] > 0;
    }
}
