package dev.mybrd.mqrq;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The RCU that 1d9bd5161ba3 puts between blk-mq's completion and timeout paths, reduced to what
 * those two need: {@code hctx_lock}/{@code hctx_unlock} for a hctx without
 * {@code BLK_MQ_F_BLOCKING} ({@code rcu_read_lock}, i.e. a preempt-disabled section on a
 * non-preemptible kernel) and {@code synchronize_rcu}.
 *
 * <p>Each CPU counts its read-side nesting and how many sections it has left. A grace period
 * snapshots the CPUs inside a section and waits until each has left that section (its count of
 * sections left has moved), which is exactly the guarantee the timeout path relies on: every
 * completion that began before {@code synchronize_rcu} was called has finished when it returns.
 * (The project's full {@code dev.mybrd.rcu.Rcu} gives the same guarantee through context switches
 * and sleeping; this form keeps a model-checked interleaving short.) The wait is bounded: a reader
 * that never leaves is reported as a stall, naming the CPU.
 */
public final class HctxRcu {
    /** About ten seconds of {@code cpu_relax()}: the stall report of a reader that never leaves. */
    private static final int STALL_SPINS = 200_000_000;
    private static final VarHandle NESTING = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LEFT = MethodHandles.arrayElementVarHandle(long[].class);

    private final int[] nesting;
    private final long[] left;

    public HctxRcu(int nrCpus) {
        nesting = new int[nrCpus];
        left = new long[nrCpus];
    }

    /** {@code hctx_lock} (RCU flavour) on {@code cpu}. */
    public void readLock(int cpu) {
        NESTING.setVolatile(nesting, cpu, (int) NESTING.getOpaque(nesting, cpu) + 1);
    }

    /** {@code hctx_unlock} on {@code cpu}. */
    public void readUnlock(int cpu) {
        int n = (int) NESTING.getOpaque(nesting, cpu);
        KernelBug.bugOn(n == 0, () -> "rcu_read_unlock without rcu_read_lock on CPU " + cpu);
        NESTING.setVolatile(nesting, cpu, n - 1);
        if (n == 1) { // after leaving: a grace period that still saw us inside waits for this count
            LEFT.setVolatile(left, cpu, (long) LEFT.getOpaque(left, cpu) + 1);
        }
    }

    /** {@code synchronize_rcu} from {@code self} (which must not be in a section). */
    public void synchronizeRcu(int self) {
        KernelBug.bugOn((int) NESTING.getVolatile(nesting, self) != 0,
                () -> "synchronize_rcu inside an RCU read-side section on CPU " + self);
        for (int cpu = 0; cpu < nesting.length; cpu++) {
            if (cpu == self) {
                continue;
            }
            long snap = (long) LEFT.getVolatile(left, cpu); // before the nesting read: a reader that
            if ((int) NESTING.getVolatile(nesting, cpu) == 0) { // leaves in between moves the count
                continue;
            }
            for (int spins = 0; (long) LEFT.getVolatile(left, cpu) == snap; spins++) {
                if (spins > STALL_SPINS) {
                    throw new KernelBug("INFO: rcu_sched self-detected stall: CPU " + cpu
                            + " stays in its read-side section");
                }
                Thread.onSpinWait();
            }
        }
    }
}
