package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.mm.PageAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The content a workload writes, one self-describing 512-byte sector at a time, in the manner of
 * fio's verify headers: the first 8 bytes carry the write's id, the next 8 the sector number, and the
 * remaining 496 bytes a pseudo-random stream seeded by both. A read sector therefore tells which write
 * put it there and whether it belongs at that sector, and a torn, shifted, poisoned or stale sector
 * cannot pass for the expected one.
 *
 * <p>Write ids are never 0; an all-zero sector is the content of a sector never written or
 * discarded ({@link #ZEROS}).
 */
final class DataPattern {
    /** What an all-zero sector decodes to. */
    static final long ZEROS = 0;
    /** What a sector that is neither zeros nor a well-formed write of this sector decodes to. */
    static final long GARBAGE = -1;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int HEADER = 16;

    private DataPattern() {
    }

    /** The id of operation {@code op} (from 0) of job {@code job}: nonzero, unique in a run. */
    static long writeId(int job, long op) {
        return ((long) (job + 1) << 40) | (op + 1);
    }

    /** "job 2 op 17" for a write id. */
    static String describeId(long id) {
        return "job " + ((id >>> 40) - 1) + " op " + ((id & ((1L << 40) - 1)) - 1);
    }

    /** Fills the sector at {@code buf[off..off+512)} with write {@code id}'s content for {@code sector}. */
    static void fill(byte[] buf, int off, long id, long sector) {
        LONGS.set(buf, off, id);
        LONGS.set(buf, off + 8, sector);
        long x = seed(id, sector);
        for (int i = off + HEADER; i < off + Bio.SECTOR_SIZE; i += 8) {
            x = next(x);
            LONGS.set(buf, i, x);
        }
    }

    /**
     * Decodes the sector at {@code buf[off..off+512)} read from {@code sector}: {@link #ZEROS}, the id of
     * the write whose content it is, or {@link #GARBAGE}.
     */
    static long decode(byte[] buf, int off, long sector) {
        long id = (long) LONGS.get(buf, off);
        long at = (long) LONGS.get(buf, off + 8);
        if (id == 0 && at == 0) {
            return allZero(buf, off) ? ZEROS : GARBAGE;
        }
        if (id <= 0 || at != sector) {
            return GARBAGE;
        }
        long x = seed(id, sector);
        for (int i = off + HEADER; i < off + Bio.SECTOR_SIZE; i += 8) {
            x = next(x);
            if ((long) LONGS.get(buf, i) != x) {
                return GARBAGE;
            }
        }
        return id;
    }

    /** What a sector holds, in words, for a report. */
    static String describe(byte[] buf, int off, long sector) {
        long got = decode(buf, off, sector);
        if (got == ZEROS) {
            return "zeros";
        }
        if (got != GARBAGE) {
            return "the data of " + describeId(got);
        }
        int poison = 0;
        for (int i = off; i < off + Bio.SECTOR_SIZE; i++) {
            poison += buf[i] == PageAllocator.PAGE_POISON ? 1 : 0;
        }
        if (poison == Bio.SECTOR_SIZE) {
            return "allocator poison (0xaa), an uninitialised page";
        }
        long id = (long) LONGS.get(buf, off);
        long at = (long) LONGS.get(buf, off + 8);
        if (id > 0 && at != sector) {
            return "the data of " + describeId(id) + " for sector " + at + " (misplaced)";
        }
        return "garbage (header " + Long.toHexString(id) + " " + Long.toHexString(at) + (poison > 0 ? ", "
                + poison + " poison bytes" : "") + "), a torn or corrupted sector";
    }

    private static boolean allZero(byte[] buf, int off) {
        for (int i = off; i < off + Bio.SECTOR_SIZE; i += 8) {
            if ((long) LONGS.get(buf, i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static long seed(long id, long sector) {
        return mix(id * 0x9E3779B97F4A7C15L ^ sector);
    }

    /** One step of a 64-bit linear congruential generator (Knuth's MMIX constants). */
    private static long next(long x) {
        return x * 6364136223846793005L + 1442695040888963407L;
    }

    /** SplitMix64's finaliser, so that neighbouring ids and sectors start far apart. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
