package dev.mybrd.workload;

/**
 * A snapshot of a running workload, as its progress listener gets it.
 *
 * @param done operations completed, lost or abandoned so far
 * @param total operations the run will issue
 * @param elapsedNanos time since the jobs started
 * @param lost bios reported lost so far
 * @param wrongData reads that returned wrong data so far
 * @param finished whether this is the last snapshot, taken after the jobs ended
 */
public record IoProgress(long done, long total, long elapsedNanos, long lost, long wrongData, boolean finished) {
    /** Operations per second so far. */
    public double rate() {
        return elapsedNanos <= 0 ? 0 : done * 1e9 / elapsedNanos;
    }

    /** {@code 42000/100000 ops (42%), 35100 ops/s, 0 lost, 0 wrong}. */
    @Override
    public String toString() {
        return done + "/" + total + " ops (" + (total == 0 ? 100 : done * 100 / total) + "%), "
                + Math.round(rate()) + " ops/s, " + lost + " lost, " + wrongData + " wrong";
    }
}
