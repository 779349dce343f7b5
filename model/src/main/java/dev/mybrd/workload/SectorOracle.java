package dev.mybrd.workload;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What every sector of the region must hold, and who may touch it now.
 *
 * <p><b>Claims.</b> Before an operation is submitted its job claims each of its sectors (a CAS from 0
 * to the job's number, lowest sector first); the claims are dropped when the operation completes. An
 * operation that cannot claim every sector gives back the ones it got and waits, so claims never
 * deadlock, and no two operations in flight overlap. That is what keeps verification exact under
 * concurrency: while a sector is claimed only its claimer reads or changes its expected value.
 *
 * <p><b>Expected values.</b> Per sector: the id of the last write that completed on it, 0 for zeros
 * (never written, or discarded), or {@link #UNKNOWN} after a write or discard that failed or was lost
 * (a bio is not atomic: it may have moved some of its data), until the next successful write. An
 * UNKNOWN sector must still read as zeros or as some well-formed write of that sector.
 *
 * <p><b>Memory ordering.</b> The expected values are plain fields. The claim's CAS (volatile) and its
 * release (volatile store) order them: the next claimer of a sector sees what the previous one wrote.
 */
final class SectorOracle {
    /** Expected value of a sector whose content is no longer known exactly. */
    static final long UNKNOWN = Long.MIN_VALUE;

    private final long base;
    private final long[] expected;
    private final AtomicIntegerArray owner;

    /** An oracle for sectors {@code [base, base + sectors)}, all zeros and unclaimed. */
    SectorOracle(long base, int sectors) {
        this.base = base;
        this.expected = new long[sectors];
        this.owner = new AtomicIntegerArray(sectors);
    }

    /** Claims {@code [sector, sector + n)} for {@code who} (> 0): all or nothing. */
    boolean tryClaim(long sector, int n, int who) {
        int first = index(sector);
        for (int i = 0; i < n; i++) {
            if (!owner.compareAndSet(first + i, 0, who)) {
                for (int j = i - 1; j >= 0; j--) {
                    owner.set(first + j, 0);
                }
                return false;
            }
        }
        return true;
    }

    /** Drops the claim on {@code [sector, sector + n)}. */
    void release(long sector, int n) {
        int first = index(sector);
        for (int i = n - 1; i >= 0; i--) {
            owner.set(first + i, 0);
        }
    }

    /** The expected value of a claimed sector. */
    long expected(long sector) {
        return expected[index(sector)];
    }

    /** Records the value of a claimed sector. */
    void expect(long sector, long value) {
        expected[index(sector)] = value;
    }

    private int index(long sector) {
        return (int) (sector - base);
    }
}
