package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.kernel.Kernel;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A verifying I/O workload in the manner of fio with {@code verify=}: {@code jobs} threads, each a
 * task bound to a simulated CPU, submit a seeded mix of reads, writes and discards to an
 * {@link IoTarget}, keep up to {@code iodepth} bios in flight, and check every read against an
 * in-memory oracle of what each sector must hold. The result counts every fate a bio can meet:
 * completed (ok or failed, by status), lost, completed twice, or read back wrong.
 *
 * <p><b>Exactness.</b> Verification is exact under concurrency because no two operations in flight
 * overlap: each claims its sectors in the {@link SectorOracle} until it completes, whether the jobs
 * work on private slices ({@link IoSpec.Layout#PRIVATE}) or all over one region
 * ({@link IoSpec.Layout#SHARED}, where different jobs still share pages). Each written sector
 * carries its write's id and sector number ({@link DataPattern}), so a read names what it found.
 *
 * <p><b>Determinism.</b> The seed fixes each job's sequence of operations; the interleaving of the
 * jobs, and so the device's internal races, is the machine's.
 *
 * <p><b>Bounds.</b> Nothing waits forever: a bio outstanding longer than the bio timeout is reported
 * lost; past the run bound the jobs stop and what they still hold is reported; a job still running a
 * grace period after that (stuck inside the model) is reported with where it is and abandoned.
 *
 * <p>The operation sequence and the counts do not depend on the queue mode: the device's mode only
 * decides when and where each {@code bi_end_io} runs.
 */
public final class IoWorkload {
    /** How long past the run bound the jobs get to stop by themselves. */
    private static final long GRACE_NANOS = 5_000_000_000L;
    /** Most sectors a run may span (the oracle keeps 12 bytes per sector): 64 GiB. */
    static final long MAX_REGION_SECTORS = 1L << 27;

    private IoWorkload() {
    }

    /**
     * Checks that {@code spec} fits {@code target} without running anything.
     *
     * @throws IllegalArgumentException (-EINVAL) as {@link #run(IoSpec, IoTarget, long, Consumer)} would
     */
    public static void check(IoSpec spec, IoTarget target) {
        check(spec, target == null ? null : List.of(target));
    }

    /** Checks that {@code spec} fits {@code targets} (see {@link #run(IoSpec, List, long, Consumer)}). */
    public static void check(IoSpec spec, List<IoTarget> targets) {
        if (spec == null || targets == null) {
            throw new IllegalArgumentException("io workload needs a spec and a target");
        }
        slice(spec, region(spec, targets), jobsPerTarget(spec, targets));
    }

    /** Runs {@code spec} against {@code target} without progress reports. */
    public static IoResult run(IoSpec spec, IoTarget target) {
        return run(spec, target, 0, p -> { });
    }

    /**
     * Runs {@code spec} against {@code target}, calling {@code progress} from the calling thread every
     * {@code progressEveryMillis} (never if 0) and once more when the jobs have ended.
     *
     * @throws IllegalArgumentException (-EINVAL) if the spec does not fit the device: a block size that
     *         is not a multiple of the logical block size, a region larger than the disk, or slices too
     *         small for one operation
     */
    public static IoResult run(IoSpec spec, IoTarget target, long progressEveryMillis, Consumer<IoProgress> progress) {
        return run(spec, target == null ? null : List.of(target), progressEveryMillis, progress);
    }

    /**
     * Runs {@code spec} over several disks of one machine (mq disks sharing a tag set, say): job
     * {@code j} works on disk {@code j % n}, each disk with its own oracle and its jobs' slices (or
     * its whole region, shared). Every disk needs a job, and the disks one capacity and block size.
     * The counts are the sums over the disks.
     */
    public static IoResult run(IoSpec spec, List<IoTarget> targets, long progressEveryMillis,
            Consumer<IoProgress> progress) {
        if (spec == null || targets == null || progress == null) {
            throw new IllegalArgumentException("io workload needs a spec, a target and a progress listener");
        }
        if (progressEveryMillis < 0) {
            throw IoSpec.invalid("progress interval must be >= 0 ms, got " + progressEveryMillis);
        }
        long region = region(spec, targets);
        long slice = slice(spec, region, jobsPerTarget(spec, targets));
        int disks = targets.size();
        Kernel kernel = targets.get(0).kernel();
        int oopsesBefore = kernel.oopses().size();
        SectorOracle[] oracles = new SectorOracle[disks];
        for (int d = 0; d < disks; d++) {
            oracles[d] = new SectorOracle(0, (int) region);
        }
        Tally tally = new Tally();

        long start = System.nanoTime();
        long runDeadline = start + spec.runTimeoutMillis() * 1_000_000;
        Thread[] threads = new Thread[spec.jobs()];
        for (int j = 0; j < spec.jobs(); j++) {
            long lo = spec.layout() == IoSpec.Layout.PRIVATE ? (j / disks) * slice : 0;
            IoJob job = new IoJob(j, spec, targets.get(j % disks), oracles[j % disks], tally, lo, lo + slice,
                    j % kernel.nrCpus(), runDeadline);
            threads[j] = new Thread(job, "io-job" + j);
            threads[j].setDaemon(true);
        }
        for (Thread t : threads) {
            t.start();
        }
        List<Thread> stuck = await(threads, spec, start, runDeadline, progressEveryMillis, progress, tally);
        long elapsed = System.nanoTime() - start;

        boolean stopped = tally.stopped || !stuck.isEmpty();
        if (stopped) {
            tally.problem(IoResult.Kind.STOPPED, "the run bound of " + spec.runTimeoutMillis() + " ms was reached: "
                    + tally.notIssued.sum() + " operations not issued"
                    + (stuck.isEmpty() ? "" : "; still running: " + stuck.stream().map(IoWorkload::where)
                            .collect(Collectors.joining("; "))));
        }
        for (Throwable oops : kernel.oopses().subList(oopsesBefore, kernel.oopses().size())) {
            if (!String.valueOf(oops.getMessage()).contains("bio_endio called")) {
                tally.oopses.increment();
                tally.problem(IoResult.Kind.OOPS, "kernel thread: " + oops);
            }
        }
        progress.accept(new IoProgress(tally.done(), spec.ops(), elapsed, tally.lost.sum(), tally.wrongData.sum(), true));
        String target = (disks == 1 ? "" : disks + " x ") + targets.get(0).describe();
        return new IoResult(target, spec, tally.submitted.sum(), tally.reads.sum(), tally.writes.sum(),
                tally.discards.sum(), tally.completed.sum(), tally.ok.sum(), tally.failedByStatus(), tally.lost.sum(),
                tally.doubled.sum(), tally.wrongData.sum(), tally.wrongSectors.sum(), tally.verifiedSectors.sum(),
                tally.oopses.sum(), tally.notIssued.sum(), tally.lateCompletions.sum(),
                sum(targets, IoTarget::requeued), sum(targets, IoTarget::timedOut), stopped, elapsed, tally.problems());
    }

    /** The disks' counts added up, or empty where they have none. */
    private static java.util.OptionalLong sum(List<IoTarget> targets,
            java.util.function.Function<IoTarget, java.util.OptionalLong> count) {
        long total = 0;
        for (IoTarget t : targets) {
            java.util.OptionalLong n = count.apply(t);
            if (n.isEmpty()) {
                return n;
            }
            total += n.getAsLong();
        }
        return java.util.OptionalLong.of(total);
    }

    /** Jobs on the busiest disk; every disk needs one, all on one machine. */
    private static int jobsPerTarget(IoSpec spec, List<IoTarget> targets) {
        if (targets.isEmpty() || targets.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("io workload needs at least one target, and no null one");
        }
        Kernel kernel = targets.get(0).kernel();
        if (targets.stream().anyMatch(t -> t.kernel() != kernel)) {
            throw IoSpec.invalid("the disks of one run must be on one machine");
        }
        if (spec.jobs() < targets.size()) {
            throw IoSpec.invalid(targets.size() + " disks need at least as many jobs, got " + spec.jobs());
        }
        return (spec.jobs() + targets.size() - 1) / targets.size();
    }

    /** Waits for the jobs, reporting progress; returns the jobs still running past the grace period. */
    private static List<Thread> await(Thread[] threads, IoSpec spec, long start, long runDeadline,
            long progressEveryMillis, Consumer<IoProgress> progress, Tally tally) {
        long every = progressEveryMillis * 1_000_000;
        long nextReport = every == 0 ? Long.MAX_VALUE : start + every;
        long giveUp = runDeadline + GRACE_NANOS;
        for (Thread t : threads) {
            while (t.isAlive()) {
                long now = System.nanoTime();
                if (now - giveUp >= 0) {
                    break;
                }
                if (now - nextReport >= 0) {
                    progress.accept(new IoProgress(tally.done(), spec.ops(), now - start, tally.lost.sum(),
                            tally.wrongData.sum(), false));
                    nextReport = now + every;
                }
                long waitNanos = Math.max(1, Math.min(giveUp - now, nextReport - now));
                try {
                    t.join(Math.max(1, waitNanos / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        List<Thread> stuck = Arrays.stream(threads).filter(Thread::isAlive).toList();
        stuck.forEach(Thread::interrupt);
        return stuck;
    }

    /** {@link #region(IoSpec, IoTarget)} of every disk, which must agree. */
    private static long region(IoSpec spec, List<IoTarget> targets) {
        long region = region(spec, targets.get(0));
        for (IoTarget t : targets) {
            if (region(spec, t) != region || t.logicalBlockSize() != targets.get(0).logicalBlockSize()) {
                throw IoSpec.invalid("the disks of one run must have one capacity and logical block size");
            }
        }
        return region;
    }

    /** The sectors the run spans: the spec's region, or the whole disk rounded down to pages. */
    static long region(IoSpec spec, IoTarget target) {
        long capacity = target.capacitySectors();
        int lbs = target.logicalBlockSize();
        if (spec.blockSize() % lbs != 0) {
            throw IoSpec.invalid("block size " + spec.blockSize() + " is not a multiple of the device's "
                    + lbs + "-byte logical block size");
        }
        long region = spec.regionSectors() == 0 ? capacity / IoSpec.SECTORS_PER_PAGE * IoSpec.SECTORS_PER_PAGE
                : spec.regionSectors();
        if (region > capacity) {
            throw IoSpec.invalid("region of " + region + " sectors is larger than the disk's " + capacity);
        }
        if (region > MAX_REGION_SECTORS) {
            throw IoSpec.invalid("region of " + region + " sectors is larger than the workload's limit of "
                    + MAX_REGION_SECTORS);
        }
        return region;
    }

    /** Sectors each job may touch: its private slice of its disk, or the whole region when shared. */
    static long slice(IoSpec spec, long region, int jobsPerDisk) {
        long slice = spec.layout() == IoSpec.Layout.SHARED ? region
                : region / jobsPerDisk / IoSpec.SECTORS_PER_PAGE * IoSpec.SECTORS_PER_PAGE;
        long need = Math.max(spec.readPct() + spec.writePct() > 0 ? spec.blockSize() >> Bio.SECTOR_SHIFT : 0,
                spec.discardPct() > 0 ? IoJob.discardSectors(spec) : 0);
        if (slice < need) {
            throw IoSpec.invalid("a " + spec.layout().label() + " range of " + slice + " sectors"
                    + (spec.layout() == IoSpec.Layout.PRIVATE ? " (" + region + " sectors over " + jobsPerDisk
                            + " jobs)" : "") + " cannot hold one operation of " + need + " sectors");
        }
        return slice;
    }

    /** "io-job1 at dev.mybrd.kernel.Kernel.sleep(Kernel.java:240)". */
    private static String where(Thread t) {
        StackTraceElement[] stack = t.getStackTrace();
        return t.getName() + (stack.length == 0 ? "" : " at " + stack[0]
                + (stack.length > 1 ? " < " + stack[1] : ""));
    }
}
