package dev.mybrd.block;

import dev.mybrd.kernel.Kernel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code in_flight} as later kernels keep it for bio-based devices: not v4.4's two shared atomics
 * ({@link PartStat}) but a per-CPU pair, {@code local_t in_flight[2]} inside {@code struct disk_stats}
 * (v5.x-6.x; {@code part_stat_local_inc}/{@code part_stat_local_dec}, summed by
 * {@code bdev_count_inflight_rw} in {@code block/genhd.c}). Modelled for kernel-races KR-19; the
 * v4.4 model does not use it.
 *
 * <p><b>Protocol.</b> An I/O increments the copy of the CPU it starts on and decrements the copy
 * of the CPU it ends on, each with preemption disabled; a copy is written only by its CPU. The two
 * CPUs may differ (the submitter migrated, or the completion ran elsewhere), so one copy can be
 * negative and only the sum over all CPUs means anything.
 *
 * <p><b>KR-19.</b> A reader sums CPU by CPU with no lock. An I/O that starts on a CPU the reader has
 * already summed and ends on one it has not yet summed is counted only by its decrement: the sum is
 * -1 with nothing in flight before or after. Commit f5482ee5edb9 ("block: WARN if bdev inflight
 * counter is negative", 2025) took a negative sum for a bug and warned; the warnings were false, and
 * c007062188d8 ("block: fix false warning in bdev_count_inflight_rw()") clamps each direction at 0
 * again. {@link #countRaw} is the sum f5482ee5edb9 trusted, {@link #bdevCountInflightRw} the clamped
 * one.
 *
 * <p>Orderings: owner-only opaque load and store per copy ({@code local_t} operations are atomic
 * only against the same CPU), opaque reads by the summing reader.
 */
public final class PerCpuInFlight {
    /** {@code READ}. */
    public static final int READ = PartStat.READ;
    /** {@code WRITE}. */
    public static final int WRITE = PartStat.WRITE;
    /** Ints per CPU copy: the pair padded to 64 bytes. */
    private static final int STRIDE = 16;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(int[].class);

    private final Kernel kernel;
    private final int[] counts;

    public PerCpuInFlight(Kernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("per-CPU in_flight needs a kernel");
        }
        this.kernel = kernel;
        this.counts = new int[kernel.nrCpus() * STRIDE];
    }

    /** The in_flight part of {@code bdev_start_io_acct}: {@code part_stat_local_inc} on this CPU. */
    public void startIoAcct(int rw) {
        add(rw(rw), 1);
    }

    /** The in_flight part of {@code bdev_end_io_acct}: {@code part_stat_local_dec} on this CPU. */
    public void endIoAcct(int rw) {
        add(rw(rw), -1);
    }

    /** {@code part_stat_lock(); local_add(&this_cpu(in_flight[rw]), delta); part_stat_unlock()}. */
    private void add(int rw, int delta) {
        kernel.preemptDisable();
        int i = kernel.smpProcessorId() * STRIDE + rw;
        int v = (int) COUNT.getOpaque(counts, i);
        COUNT.setOpaque(counts, i, v + delta);
        kernel.preemptEnable();
    }

    /** {@code part_stat_local_read_cpu(part, in_flight[rw], cpu)}: one CPU's copy (may be negative). */
    public int readCpu(int cpu, int rw) {
        if (cpu < 0 || cpu >= kernel.nrCpus()) {
            throw new IllegalArgumentException("no CPU" + cpu);
        }
        return (int) COUNT.getOpaque(counts, cpu * STRIDE + rw(rw));
    }

    /**
     * The sum over all possible CPUs, CPU 0 first, without a clamp: what f5482ee5edb9 assumed could
     * not be negative. It can (KR-19).
     */
    public int countRaw(int rw) {
        rw(rw);
        int sum = 0;
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            sum += readCpu(cpu, rw);
        }
        return sum;
    }

    /** {@code bdev_count_inflight_rw} after c007062188d8: the sum, clamped at 0. */
    public int bdevCountInflightRw(int rw) {
        int sum = countRaw(rw);
        return sum > 0 ? sum : 0;
    }

    /** {@code bdev_count_inflight}: both directions, each clamped. */
    public int bdevCountInflight() {
        return bdevCountInflightRw(READ) + bdevCountInflightRw(WRITE);
    }

    private static int rw(int rw) {
        if (rw != READ && rw != WRITE) {
            throw new IllegalArgumentException("rw must be READ (0) or WRITE (1), got " + rw);
        }
        return rw;
    }
}
