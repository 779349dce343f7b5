package dev.mybrd.block;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The per-CPU {@code struct disk_stats} of one partition ({@code hd_struct->dkstats}, allocated
 * with {@code alloc_percpu}): one copy of the v4.4 fields per possible CPU,
 * {@code sectors[2], ios[2], merges[2], ticks[2], io_ticks, time_in_queue} (index 0 = READ, 1 = WRITE).
 *
 * <p><b>Protocol.</b> A counter is never shared between writers: a CPU adds only to its own copy,
 * with preemption disabled from the moment it picked the copy ({@code part_stat_lock()} returns the
 * CPU id) until the add is done. So the add is a plain load and store, not an atomic RMW
 * ({@code __part_stat_add}: {@code per_cpu_ptr(dkstats, cpu)->field += n}). Readers take no lock
 * and sum every CPU's copy ({@code part_stat_read}). Whoever breaks the protocol (two writers on one
 * copy) loses updates; this class does not defend against that, exactly as the kernel does not:
 * {@link PartStat} holds the protocol.
 *
 * <p><b>Orderings.</b> The kernel uses plain C accesses on aligned words, which x86 loads and stores
 * whole and coherently. Java's plain accesses promise neither coherence nor freedom from hoisting,
 * so the model uses opaque accesses ({@code READ_ONCE}/{@code WRITE_ONCE}): single-copy atomic and
 * coherent per counter, with no ordering between counters, which is what a reader of the kernel's
 * statistics may rely on and nothing more.
 *
 * <p><b>Invariants.</b> Each counter only grows (no {@code part_stat_sub} in the paths modelled),
 * so a concurrent sum lies between the true totals at the start and at the end of the read (P20);
 * at quiescence the sum is the exact total (P19). Fields read in one pass may disagree (a reader can
 * count an I/O's {@code sectors} and not yet its {@code ios}).
 *
 * <p>Each CPU's copy is padded to 128 bytes so neighbouring copies do not share a cache line, which
 * is the point of per-CPU data.
 */
public final class DiskStats {
    /** The fields of {@code struct disk_stats} in v4.4. */
    public enum Field {
        SECTORS_READ, SECTORS_WRITE, IOS_READ, IOS_WRITE, MERGES_READ, MERGES_WRITE,
        TICKS_READ, TICKS_WRITE, IO_TICKS, TIME_IN_QUEUE;

        /** {@code sectors[rw]}. */
        public static Field sectors(int rw) {
            return rw(rw) == 0 ? SECTORS_READ : SECTORS_WRITE;
        }

        /** {@code ios[rw]}. */
        public static Field ios(int rw) {
            return rw(rw) == 0 ? IOS_READ : IOS_WRITE;
        }

        /** {@code merges[rw]}. */
        public static Field merges(int rw) {
            return rw(rw) == 0 ? MERGES_READ : MERGES_WRITE;
        }

        /** {@code ticks[rw]}. */
        public static Field ticks(int rw) {
            return rw(rw) == 0 ? TICKS_READ : TICKS_WRITE;
        }

        private static int rw(int rw) {
            if (rw != 0 && rw != 1) {
                throw new IllegalArgumentException("rw must be READ (0) or WRITE (1), got " + rw);
            }
            return rw;
        }
    }

    /** Longs per CPU copy: the ten fields padded to 128 bytes. */
    private static final int STRIDE = 16;
    private static final VarHandle COUNTER = MethodHandles.arrayElementVarHandle(long[].class);

    private final int nrCpus;
    private final long[] counters;

    /** {@code alloc_percpu(struct disk_stats)} for {@code nrCpus} possible CPUs, all zero. */
    public DiskStats(int nrCpus) {
        if (nrCpus < 1 || nrCpus > 64) {
            throw new IllegalArgumentException("nr_cpus must be in 1..64, got " + nrCpus);
        }
        this.nrCpus = nrCpus;
        this.counters = new long[nrCpus * STRIDE];
    }

    /** The number of possible CPUs ({@code for_each_possible_cpu}). */
    public int nrCpus() {
        return nrCpus;
    }

    /**
     * {@code __part_stat_add(cpu, part, field, n)}: {@code dkstats[cpu].field += n}, a load and a
     * store. Safe only for the owner of {@code cpu} with preemption disabled; {@link PartStat}
     * checks that before calling.
     */
    void add(int cpu, Field field, long n) {
        int i = index(cpu, field);
        long v = (long) COUNTER.getOpaque(counters, i);
        COUNTER.setOpaque(counters, i, v + n);
    }

    /** The load half of {@link #add}, for the seeded variant that is preempted inside the add. */
    long load(int cpu, Field field) {
        return (long) COUNTER.getOpaque(counters, index(cpu, field));
    }

    /** The store half of {@link #add}. */
    void store(int cpu, Field field, long value) {
        COUNTER.setOpaque(counters, index(cpu, field), value);
    }

    /** {@code part_stat_get_cpu(part, field, cpu)}: one CPU's copy of a counter. */
    public long get(int cpu, Field field) {
        return load(cpu, field);
    }

    /** {@code part_stat_read(part, field)}: the sum over every possible CPU, lock-free. */
    public long read(Field field) {
        long sum = 0;
        for (int cpu = 0; cpu < nrCpus; cpu++) {
            sum += (long) COUNTER.getOpaque(counters, index(cpu, field));
        }
        return sum;
    }

    private int index(int cpu, Field field) {
        if (cpu < 0 || cpu >= nrCpus) {
            throw new IllegalArgumentException("no CPU" + cpu + ": disk_stats has copies for CPUs 0.." + (nrCpus - 1));
        }
        if (field == null) {
            throw new IllegalArgumentException("disk_stats field is null");
        }
        return cpu * STRIDE + field.ordinal();
    }
}
