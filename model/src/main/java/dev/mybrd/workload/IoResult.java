package dev.mybrd.workload;

import dev.mybrd.block.BlkStatus;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The outcome of an {@link IoWorkload} run: counts of every fate a bio can meet, and the first few
 * problems in words.
 *
 * <p>Every issued operation ends in exactly one of completed (ok or failed) or lost, so
 * {@code submitted == completed + lost}; {@code notIssued} counts operations a stopped job never
 * issued. A run is {@link #clean()} when nothing was lost, completed twice, read back wrong, or
 * crashed the model, and the run was not stopped by its bound. A failed status is not unclean: it is
 * the driver's answer (an injected error, {@code -ENOSPC}), and the sectors it touched are checked
 * leniently afterwards.
 *
 * @param target the device, described
 * @param spec what ran
 * @param submitted bios handed to {@code submit_bio}
 * @param reads reads among them
 * @param writes writes among them
 * @param discards discards among them
 * @param completed bios whose {@code bi_end_io} ran
 * @param ok completed with status 0
 * @param failed completed with an error, by status
 * @param lost bios never completed within the bio timeout (or, where completion is inline, by the time
 *        {@code submit_bio} returned)
 * @param doubled bios completed more than once ({@code bio_endio} called twice)
 * @param wrongData reads that returned data other than the oracle's
 * @param wrongSectors sectors among them that were wrong
 * @param verifiedSectors sectors read back and checked
 * @param oopses failures of the model itself (a {@code KernelBug} thrown while submitting, or a kernel
 *        thread's oops) that are not double completions
 * @param notIssued operations a job never issued because the run was stopped
 * @param lateCompletions bios that completed after they had been reported lost
 * @param requeued the driver's requeue count, empty where the mode has none
 * @param timedOut the block layer's request timeouts, empty where the mode has none
 * @param stopped whether the run bound stopped the jobs
 * @param elapsedNanos wall time of the run
 * @param problems the first problems found, one line each
 */
public record IoResult(String target, IoSpec spec, long submitted, long reads, long writes, long discards,
        long completed, long ok, Map<BlkStatus, Long> failed, long lost, long doubled, long wrongData,
        long wrongSectors, long verifiedSectors, long oopses, long notIssued, long lateCompletions,
        OptionalLong requeued, OptionalLong timedOut, boolean stopped, long elapsedNanos, List<Problem> problems) {
    /** Most problems kept in words; the counts go on. */
    public static final int MAX_PROBLEMS = 20;

    /** What went wrong. */
    public enum Kind { LOST, DOUBLED, WRONG_DATA, OOPS, STOPPED }

    /** One problem: its kind and a line saying which bio and what happened. */
    public record Problem(Kind kind, String text) {
        @Override
        public String toString() {
            return kind + ": " + text;
        }
    }

    public IoResult {
        failed = Map.copyOf(failed);
        problems = List.copyOf(problems);
    }

    /** Completed with an error, all statuses. */
    public long failedTotal() {
        return failed.values().stream().mapToLong(Long::longValue).sum();
    }

    /** No bio lost, doubled or wrong, no oops, not stopped. */
    public boolean clean() {
        return lost == 0 && doubled == 0 && wrongData == 0 && oopses == 0 && !stopped;
    }

    /** Operations per second over the whole run. */
    public double rate() {
        return elapsedNanos <= 0 ? 0 : (completed + lost) * 1e9 / elapsedNanos;
    }
}
