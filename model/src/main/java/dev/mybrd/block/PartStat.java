package dev.mybrd.block;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.kernel.Cpu;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.rcu.Rcu;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;

/**
 * The I/O statistics of one partition, {@code struct hd_struct} as v4.4 accounts it
 * ({@code include/linux/genhd.h}, {@code block/blk-core.c}, {@code block/bio.c}): the per-CPU
 * {@link DiskStats} ({@code dkstats}), the shared {@code in_flight[2]} atomics and the {@code stamp}
 * of the last rounding. mybrd's disk has one minor ({@code alloc_disk(1)}), so this is {@code part0},
 * and the "same again on part0" step that partitions take is absent.
 *
 * <p><b>Protocol.</b>
 * <ul>
 *   <li>{@code cpu = part_stat_lock()} is {@code rcu_read_lock()} (keeps the partition alive) plus
 *       {@code get_cpu()} (preemption off, this CPU's id); {@code part_stat_unlock()} undoes both.
 *       Between them the task owns {@code dkstats[cpu]} and adds to it with plain loads and stores.
 *       {@link #partStatAdd} asserts that ownership, as {@code CONFIG_DEBUG_PREEMPT}'s checks of
 *       per-CPU operations do.</li>
 *   <li>{@code in_flight[rw]} is shared by all CPUs, so it is an atomic ({@code atomic_inc},
 *       {@code atomic_dec}, {@code atomic_read}).</li>
 *   <li>{@code part_round_stats(cpu)} charges the time since {@code stamp} to {@code io_ticks} (if
 *       anything was in flight) and {@code in_flight * elapsed} to {@code time_in_queue}, then sets
 *       {@code stamp = now}. {@code stamp} is a plain word with no lock: two CPUs that round in the
 *       same jiffy may both charge the same interval, so {@code io_ticks} can exceed the elapsed
 *       time (spec 3.4, race (c)). The kernel accepts that; so does the model.</li>
 *   <li>Bio-based drivers bracket each bio with {@code generic_start_io_acct} (round, {@code ios++},
 *       {@code sectors += n}, {@code in_flight++}) and {@code generic_end_io_acct}
 *       ({@code ticks += jiffies - start}, round, {@code in_flight--}); readers
 *       ({@code part_stat_show}, {@code /sys/block/<disk>/stat}) round and then sum.</li>
 * </ul>
 *
 * <p><b>Invariants</b> (P19, P20). At quiescence the sums of {@code ios[rw]} and {@code sectors[rw]}
 * equal the accounted bios and their sectors, and {@code in_flight[rw]} is 0. {@code in_flight}
 * never goes below 0 (an underflow shows as a huge unsigned number in the stat file, as in kernel
 * commit 09e099d4bafe's report). A concurrent sum of a counter lies between its totals at the start
 * and at the end of the read. Seeded breaks of the protocol: {@link StatBug}.
 */
public final class PartStat {
    /** {@code READ}: index 0 of the {@code [2]} fields. */
    public static final int READ = 0;
    /** {@code WRITE}: index 1. */
    public static final int WRITE = 1;

    private static final VarHandle IN_FLIGHT = MethodHandles.arrayElementVarHandle(int[].class);

    private final Kernel kernel;
    private final Rcu rcu;
    private final Jiffies jiffies;
    private final DiskStats dkstats;
    private final int[] inFlight = new int[2];
    /** {@code part->stamp}: plain, written without a lock (the knowingly racy stamp). */
    private long stamp;
    /** {@link StatBug#UPDATE_WITHOUT_GET_CPU} is on. */
    private final boolean withoutGetCpu;

    /** The statistics of a new partition: all zero, {@code stamp} 0, no seeded bug. */
    public PartStat(Kernel kernel, Rcu rcu, Jiffies jiffies) {
        this(kernel, rcu, jiffies, Set.of());
    }

    /** The same with seeded bugs switched on. */
    public PartStat(Kernel kernel, Rcu rcu, Jiffies jiffies, Set<StatBug> bugs) {
        if (kernel == null || rcu == null || jiffies == null || bugs == null) {
            throw new IllegalArgumentException("part stats need a kernel, RCU, jiffies and a (possibly empty) bug set");
        }
        this.kernel = kernel;
        this.rcu = rcu;
        this.jiffies = jiffies;
        this.dkstats = new DiskStats(kernel.nrCpus());
        this.withoutGetCpu = bugs.contains(StatBug.UPDATE_WITHOUT_GET_CPU);
    }

    /** The clock the statistics are stamped with. */
    public Jiffies jiffies() {
        return jiffies;
    }

    /** {@code part->dkstats}. */
    public DiskStats dkstats() {
        return dkstats;
    }

    // ---- part_stat_lock ------------------------------------------------------------------------

    /** {@code part_stat_lock()}: {@code rcu_read_lock(); get_cpu()}; returns this CPU's id. */
    public int partStatLock() {
        rcu.readLock();
        return kernel.getCpu();
    }

    /** {@code part_stat_unlock()}: {@code put_cpu(); rcu_read_unlock()}. */
    public void partStatUnlock() {
        kernel.putCpu();
        rcu.readUnlock();
    }

    /**
     * {@code part_stat_add(cpu, part, field, n)}: {@code dkstats[cpu].field += n}. The caller must
     * hold {@link #partStatLock} and pass the CPU it returned; anything else is a kernel bug.
     */
    public void partStatAdd(int cpu, Field field, long n) {
        checkOwner(cpu, field);
        dkstats.add(cpu, field, n);
    }

    /** {@code part_stat_inc(cpu, part, field)}. */
    public void partStatInc(int cpu, Field field) {
        partStatAdd(cpu, field, 1);
    }

    /** {@code part_stat_read(part, field)}: the sum over all CPUs, lock-free. */
    public long partStatRead(Field field) {
        return dkstats.read(field);
    }

    // ---- in_flight -----------------------------------------------------------------------------

    /** {@code part_inc_in_flight(part, rw)}: {@code atomic_inc(&part->in_flight[rw])}. */
    public void partIncInFlight(int rw) {
        IN_FLIGHT.getAndAdd(inFlight, rw(rw), 1);
    }

    /** {@code part_dec_in_flight(part, rw)}: {@code atomic_dec}. An unmatched dec goes below 0, as in C. */
    public void partDecInFlight(int rw) {
        IN_FLIGHT.getAndAdd(inFlight, rw(rw), -1);
    }

    /** {@code atomic_read(&part->in_flight[rw])}. */
    public int inFlight(int rw) {
        return (int) IN_FLIGHT.getOpaque(inFlight, rw(rw));
    }

    /** {@code part_in_flight(part)}: {@code in_flight[0] + in_flight[1]}, two separate reads. */
    public int partInFlight() {
        return inFlight(READ) + inFlight(WRITE);
    }

    // ---- part_round_stats ----------------------------------------------------------------------

    /**
     * {@code part_round_stats(cpu, part)}: brings {@code io_ticks} and {@code time_in_queue} up to
     * {@code jiffies}. Called under {@link #partStatLock} with its CPU.
     */
    public void partRoundStats(int cpu) {
        long now = jiffies.get();
        partRoundStatsSingle(cpu, now);
    }

    /** {@code part_round_stats_single}: the check-then-set of {@code stamp} has no lock. */
    private void partRoundStatsSingle(int cpu, long now) {
        long then = stamp;
        if (now == then) {
            return;
        }
        int inflight = partInFlight();
        if (inflight != 0) {
            partStatAdd(cpu, Field.TIME_IN_QUEUE, inflight * (now - then));
            partStatAdd(cpu, Field.IO_TICKS, now - then);
        }
        stamp = now;
    }

    // ---- generic_{start,end}_io_acct -----------------------------------------------------------

    /**
     * {@code generic_start_io_acct(rw, sectors, part)} ({@code block/bio.c}): round,
     * {@code ios[rw]++}, {@code sectors[rw] += sectors}, {@code in_flight[rw]++}, all on this CPU's
     * copy under {@code part_stat_lock}. The caller notes {@code jiffies} first, for the end. The adds
     * use the CPU {@code part_stat_lock} just returned, so they skip {@link #partStatAdd}'s owner
     * check, which would only add steps to every model-checked I/O.
     */
    public void genericStartIoAcct(int rw, long sectors) {
        rw(rw);
        if (sectors < 0) {
            throw new IllegalArgumentException("generic_start_io_acct: negative sector count " + sectors);
        }
        if (withoutGetCpu) {
            startIoAcctWithoutGetCpu(rw, sectors);
            return;
        }
        int cpu = partStatLock();
        partRoundStats(cpu);
        dkstats.add(cpu, Field.ios(rw), 1);
        dkstats.add(cpu, Field.sectors(rw), sectors);
        partIncInFlight(rw);
        partStatUnlock();
    }

    /**
     * {@code generic_end_io_acct(rw, part, start_time)}: {@code ticks[rw] += jiffies - start_time},
     * round, {@code in_flight[rw]--}.
     */
    public void genericEndIoAcct(int rw, long startTime) {
        rw(rw);
        long duration = jiffies.get() - startTime;
        if (startTime < 0 || duration < 0) {
            throw new IllegalArgumentException("generic_end_io_acct: start time " + startTime
                    + " is not a past jiffies value (now " + (duration + startTime) + ")");
        }
        int cpu = partStatLock();
        dkstats.add(cpu, Field.ticks(rw), duration);
        partRoundStats(cpu);
        partDecInFlight(rw);
        partStatUnlock();
    }

    /**
     * {@link StatBug#UPDATE_WITHOUT_GET_CPU}: the CPU is read while preemptible, and the explicit
     * preemption point inside {@code ios[rw] += 1} moves the task before the store.
     */
    private void startIoAcctWithoutGetCpu(int rw, long sectors) {
        int cpu = kernel.smpProcessorId();
        long ios = dkstats.load(cpu, Field.ios(rw));
        preemptionPoint(cpu);
        dkstats.store(cpu, Field.ios(rw), ios + 1);
        dkstats.store(cpu, Field.sectors(rw), dkstats.load(cpu, Field.sectors(rw)) + sectors);
        partIncInFlight(rw);
    }

    /** Where a preemptible task may be moved: the model's scheduler puts it on the next CPU. */
    private void preemptionPoint(int cpu) {
        kernel.migrate((cpu + 1) % kernel.nrCpus());
    }

    // ---- part_stat_show ------------------------------------------------------------------------

    /**
     * {@code part_stat_show}: the line of {@code /sys/block/<disk>/stat}, the 11 fields of v4.4:
     * read I/Os, read merges, read sectors, read ticks (ms), the same four for writes, in_flight,
     * io_ticks (ms), time_in_queue (ms). Rounds first, under {@code part_stat_lock}, so it must run
     * in a task. {@code in_flight} prints as unsigned, as {@code %8u} does.
     */
    public String partStatShow() {
        int cpu = partStatLock();
        partRoundStats(cpu);
        partStatUnlock();
        return String.format("%8d %8d %8d %8d %8d %8d %8d %8d %8d %8d %8d%n",
                partStatRead(Field.IOS_READ), partStatRead(Field.MERGES_READ), partStatRead(Field.SECTORS_READ),
                Jiffies.toMsecs(partStatRead(Field.TICKS_READ)),
                partStatRead(Field.IOS_WRITE), partStatRead(Field.MERGES_WRITE), partStatRead(Field.SECTORS_WRITE),
                Jiffies.toMsecs(partStatRead(Field.TICKS_WRITE)),
                Integer.toUnsignedLong(partInFlight()),
                Jiffies.toMsecs(partStatRead(Field.IO_TICKS)), Jiffies.toMsecs(partStatRead(Field.TIME_IN_QUEUE)));
    }

    /** The 11 numbers of a {@link #partStatShow} line, in order. */
    public static long[] parseStatLine(String line) {
        if (line == null) {
            throw new IllegalArgumentException("stat line is null");
        }
        String[] f = line.trim().split("\\s+");
        if (f.length != 11) {
            throw new IllegalArgumentException("a v4.4 stat line has 11 fields, this one " + f.length + ": " + line);
        }
        long[] v = new long[11];
        for (int i = 0; i < 11; i++) {
            v[i] = Long.parseLong(f[i]);
        }
        return v;
    }

    // ---- checks --------------------------------------------------------------------------------

    /** The per-CPU protocol: only the owner of {@code cpu}, with preemption off, adds to its copy. */
    private void checkOwner(int cpu, Field field) {
        Cpu here = kernel.thisCpu();
        if (here.id() != cpu || !here.inAtomic()) {
            // Built only when it fires: this runs on every add, also under the model checker.
            throw new KernelBug("kernel BUG: part_stat_add of " + field + " to CPU" + cpu + "'s copy by task "
                    + kernel.current() + " on " + here.describe() + " (only CPU" + cpu
                    + " with preemption disabled may write it)");
        }
    }

    private static int rw(int rw) {
        if (rw != READ && rw != WRITE) {
            throw new IllegalArgumentException("rw must be READ (0) or WRITE (1), got " + rw);
        }
        return rw;
    }

    @Override
    public String toString() {
        return "part0 stats{ios=" + partStatRead(Field.IOS_READ) + "/" + partStatRead(Field.IOS_WRITE)
                + " sectors=" + partStatRead(Field.SECTORS_READ) + "/" + partStatRead(Field.SECTORS_WRITE)
                + " in_flight=" + inFlight(READ) + "/" + inFlight(WRITE) + "}";
    }
}
