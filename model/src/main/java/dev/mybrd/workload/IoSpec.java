package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.mm.Page;
import java.util.Locale;

/**
 * What an {@link IoWorkload} runs: how many jobs, how many operations in all, how deep each job's
 * queue is, the block size and the read/write/discard mix, where the jobs work, the seed of the
 * operation sequence, and the bounds that turn a stuck bio or a stuck job into a report.
 *
 * <p>A bad value is refused with an {@link IllegalArgumentException} that names it and says
 * {@code -EINVAL}, before anything runs. Values that depend on the device (the block size against
 * its logical block size, the region against its capacity) are checked when the run starts.
 *
 * @param jobs submitting threads, each a task on its own simulated CPU when there are enough (1..64)
 * @param ops operations in all, split as evenly as possible over the jobs (>= 1)
 * @param iodepth bios a job may have outstanding at once (1..1024); matters where completion is
 *        asynchronous, since bio-mode ends every bio before {@code submit_bio} returns
 * @param blockSize bytes per read or write: a multiple of 512, at most {@code max_hw_sectors}
 *        (512 KiB). Offsets are multiples of the device's logical block size, so a 4 KiB block at
 *        512-byte alignment usually straddles two pages
 * @param readPct percentage of reads
 * @param writePct percentage of writes
 * @param discardPct percentage of discards (whole pages, as brd requires); the three sum to 100
 * @param layout private ranges per job, or one range shared by all
 * @param regionSectors sectors the jobs work on, from sector 0; 0 for the whole disk
 * @param seed the seed of every job's operation sequence (job {@code j} uses {@code seed + j})
 * @param verify fill writes with a pattern and check every read against the oracle
 * @param bioTimeoutMillis how long a bio may stay outstanding before it is reported LOST (>= 1)
 * @param runTimeoutMillis how long the whole run may take before its jobs are stopped and reported (>= 1)
 */
public record IoSpec(int jobs, long ops, int iodepth, int blockSize, int readPct, int writePct, int discardPct,
        Layout layout, long regionSectors, long seed, boolean verify, long bioTimeoutMillis,
        long runTimeoutMillis) {
    /** Most jobs: the model's machine has at most 64 CPUs. */
    public static final int MAX_JOBS = 64;
    /** Deepest per-job queue. */
    public static final int MAX_IODEPTH = 1024;
    /** {@code max_hw_sectors} of mybrd, in bytes. */
    public static final int MAX_BLOCK_SIZE = MyBrd.MYBRD_MAX_HW_SECTORS << Bio.SECTOR_SHIFT;

    /** Where the jobs issue their I/O. */
    public enum Layout {
        /**
         * Each job owns a page-aligned slice of the region: no two jobs touch one page, and every read
         * is checked against exactly the last write that completed before it was issued.
         */
        PRIVATE,
        /**
         * All jobs work on the whole region. A job claims the sectors of each operation until it
         * completes, so no two operations in flight overlap and verification stays exact; different
         * jobs still hit different sectors of one page at once, which is where the page store's
         * first-writer races live.
         */
        SHARED;

        /** {@code private} or {@code shared}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code private} or {@code shared}; anything else is -EINVAL. */
        public static Layout parse(String s) {
            for (Layout l : values()) {
                if (l.label().equals(s)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("layout must be private or shared, got '" + s + "' (-EINVAL)");
        }
    }

    public IoSpec {
        range("jobs", jobs, 1, MAX_JOBS);
        if (ops < 1) {
            throw invalid("ops must be >= 1, got " + ops);
        }
        range("iodepth", iodepth, 1, MAX_IODEPTH);
        if (blockSize < Bio.SECTOR_SIZE || blockSize > MAX_BLOCK_SIZE || blockSize % Bio.SECTOR_SIZE != 0) {
            throw invalid("block size must be a multiple of 512 from 512 to " + MAX_BLOCK_SIZE + " bytes, got "
                    + blockSize);
        }
        range("read percentage", readPct, 0, 100);
        range("write percentage", writePct, 0, 100);
        range("discard percentage", discardPct, 0, 100);
        if (readPct + writePct + discardPct != 100) {
            throw invalid("read, write and discard percentages must sum to 100, got " + readPct + "+" + writePct
                    + "+" + discardPct);
        }
        if (layout == null) {
            throw invalid("layout must be private or shared");
        }
        if (regionSectors < 0 || regionSectors % SECTORS_PER_PAGE != 0) {
            throw invalid("region must be 0 (whole disk) or a positive multiple of 8 sectors (a page), got "
                    + regionSectors);
        }
        if (bioTimeoutMillis < 1) {
            throw invalid("bio timeout must be >= 1 ms, got " + bioTimeoutMillis);
        }
        if (runTimeoutMillis < 1) {
            throw invalid("run timeout must be >= 1 ms, got " + runTimeoutMillis);
        }
    }

    static final int SECTORS_PER_PAGE = Page.PAGE_SIZE >> Bio.SECTOR_SHIFT;

    /**
     * 4 jobs, 10,000 operations, iodepth 8, 4 KiB blocks, 50% reads, 45% writes, 5% discards, private
     * ranges over the whole disk, seed 1, verified, a 10 s bio timeout and a 10 min run bound.
     */
    public static IoSpec defaults() {
        return new IoSpec(4, 10_000, 8, Page.PAGE_SIZE, 50, 45, 5, Layout.PRIVATE, 0, 1, true, 10_000, 600_000);
    }

    public IoSpec withJobs(int n) {
        return edit(b -> b.jobs = n);
    }

    public IoSpec withOps(long n) {
        return edit(b -> b.ops = n);
    }

    public IoSpec withIodepth(int n) {
        return edit(b -> b.iodepth = n);
    }

    public IoSpec withBlockSize(int bytes) {
        return edit(b -> b.blockSize = bytes);
    }

    public IoSpec withMix(int read, int write, int discard) {
        return edit(b -> {
            b.readPct = read;
            b.writePct = write;
            b.discardPct = discard;
        });
    }

    public IoSpec withLayout(Layout l) {
        return edit(b -> b.layout = l);
    }

    public IoSpec withRegionSectors(long sectors) {
        return edit(b -> b.regionSectors = sectors);
    }

    public IoSpec withSeed(long s) {
        return edit(b -> b.seed = s);
    }

    public IoSpec withVerify(boolean v) {
        return edit(b -> b.verify = v);
    }

    public IoSpec withBioTimeoutMillis(long ms) {
        return edit(b -> b.bioTimeoutMillis = ms);
    }

    public IoSpec withRunTimeoutMillis(long ms) {
        return edit(b -> b.runTimeoutMillis = ms);
    }

    /** A copy with {@code change} applied to its components, validated like any new spec. */
    private IoSpec edit(java.util.function.Consumer<Components> change) {
        Components c = new Components(this);
        change.accept(c);
        return c.build();
    }

    /** The components of a spec, mutable, for {@link #edit}. */
    private static final class Components {
        int jobs;
        long ops;
        int iodepth;
        int blockSize;
        int readPct;
        int writePct;
        int discardPct;
        Layout layout;
        long regionSectors;
        long seed;
        boolean verify;
        long bioTimeoutMillis;
        long runTimeoutMillis;

        Components(IoSpec s) {
            jobs = s.jobs;
            ops = s.ops;
            iodepth = s.iodepth;
            blockSize = s.blockSize;
            readPct = s.readPct;
            writePct = s.writePct;
            discardPct = s.discardPct;
            layout = s.layout;
            regionSectors = s.regionSectors;
            seed = s.seed;
            verify = s.verify;
            bioTimeoutMillis = s.bioTimeoutMillis;
            runTimeoutMillis = s.runTimeoutMillis;
        }

        IoSpec build() {
            return new IoSpec(jobs, ops, iodepth, blockSize, readPct, writePct, discardPct, layout, regionSectors,
                    seed, verify, bioTimeoutMillis, runTimeoutMillis);
        }
    }

    /**
     * Parses a mix such as {@code r=50,w=45,d=5} (keys {@code r}/{@code read}, {@code w}/{@code write},
     * {@code d}/{@code discard}; missing keys are 0) into {read, write, discard}; -EINVAL otherwise.
     */
    public static int[] parseMix(String spec) {
        if (spec == null || spec.isBlank()) {
            throw invalid("mix is empty; expected e.g. r=50,w=45,d=5");
        }
        int[] pct = new int[3];
        boolean[] seen = new boolean[3];
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", -1);
            if (kv.length != 2) {
                throw invalid("mix: expected key=percent, got '" + part.trim() + "'");
            }
            int i = switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "r", "read" -> 0;
                case "w", "write" -> 1;
                case "d", "discard" -> 2;
                default -> throw invalid("mix: unknown key '" + kv[0].trim() + "'; expected r, w or d");
            };
            if (seen[i]) {
                throw invalid("mix: " + kv[0].trim() + " given twice");
            }
            seen[i] = true;
            try {
                pct[i] = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw invalid("mix: " + kv[0].trim() + " needs a percentage, got '" + kv[1].trim() + "'");
            }
        }
        return pct;
    }

    /** {@code r50/w45/d5}. */
    public String mixLabel() {
        return "r" + readPct + "/w" + writePct + "/d" + discardPct;
    }

    /** Operations job {@code j} runs: an even split, the first {@code ops % jobs} jobs one more. */
    long opsOf(int j) {
        return ops / jobs + (j < ops % jobs ? 1 : 0);
    }

    private static void range(String what, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw invalid(what + " must be in " + lo + ".." + hi + ", got " + v);
        }
    }

    static IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException(message + " (-EINVAL)");
    }
}
