package dev.mybrd.block;

import dev.mybrd.block.DiskStats.Field;

/**
 * The request-mode disk accounting of {@code block/blk-core.c} and {@code blk-merge.c} (v4.4), into
 * the disk's {@link PartStat}: {@code blk_account_io_start} when a request is inserted or a bio is
 * merged into one ({@code merges[rw]}), {@code blk_account_io_merge} when two requests become one
 * ({@code in_flight} given back for the one that disappears), {@code blk_account_io_completion}
 * ({@code sectors[rw]}) as bytes complete, and {@code blk_account_io_done} ({@code ios[rw]},
 * {@code ticks[rw]}, {@code in_flight} back) when the request finishes. Each runs under
 * {@code part_stat_lock}. At quiescence {@code in_flight} is 0 and {@code ios} counts finished
 * requests (P19).
 *
 * <p>blk-mq accounts its requests with the same functions (v4.4 {@code blk_mq_bio_to_request},
 * {@code blk_mq_attempt_merge} and {@code blk_attempt_plug_merge}, {@code blk_update_request},
 * {@code __blk_mq_end_request}); its request is not a legacy {@link Request}, so the public entry
 * points take the partition, the direction and the numbers, and the legacy ones delegate to them.
 */
public final class BlkAccount {
    private BlkAccount() {
    }

    private static int rw(Request rq) {
        return rq.write ? PartStat.WRITE : PartStat.READ;
    }

    /** {@code blk_account_io_start(rq, new_io)}. */
    static void ioStart(Request rq, boolean newIo) {
        PartStat st = rq.q.stats;
        if (st == null) {
            return;
        }
        ioStart(st, rw(rq), newIo);
        if (newIo) {
            rq.cmdFlags |= Request.REQ_IO_STAT;
        }
    }

    /**
     * {@code blk_account_io_start} on partition {@code st} for a request of direction {@code rw}: a
     * new request rounds and raises {@code in_flight[rw]}; a bio merged into one counts in
     * {@code merges[rw]}.
     */
    public static void ioStart(PartStat st, int rw, boolean newIo) {
        int cpu = st.partStatLock();
        if (!newIo) {
            st.partStatInc(cpu, Field.merges(rw));
        } else {
            st.partRoundStats(cpu);
            st.partIncInFlight(rw);
        }
        st.partStatUnlock();
    }

    /** {@code blk_account_io_merge(next)}: {@code next} was merged away. */
    static void ioMerge(Request next) {
        PartStat st = next.q.stats;
        if (st == null || (next.cmdFlags & Request.REQ_IO_STAT) == 0) {
            return;
        }
        int cpu = st.partStatLock();
        st.partRoundStats(cpu);
        st.partDecInFlight(rw(next));
        st.partStatUnlock();
    }

    /** {@code blk_account_io_completion(req, bytes)}. */
    static void ioCompletion(Request rq, long bytes) {
        PartStat st = rq.q.stats;
        if (st == null || (rq.cmdFlags & Request.REQ_IO_STAT) == 0) {
            return;
        }
        ioCompletion(st, rw(rq), bytes);
    }

    /** {@code blk_account_io_completion} on {@code st}: {@code sectors[rw] += bytes >> 9}. */
    public static void ioCompletion(PartStat st, int rw, long bytes) {
        int cpu = st.partStatLock();
        st.partStatAdd(cpu, Field.sectors(rw), bytes >> Bio.SECTOR_SHIFT);
        st.partStatUnlock();
    }

    /** {@code blk_account_io_done(req)}. */
    static void ioDone(Request rq) {
        PartStat st = rq.q.stats;
        if (st == null || (rq.cmdFlags & Request.REQ_IO_STAT) == 0) {
            return;
        }
        ioDone(st, rw(rq), rq.startTime);
    }

    /**
     * {@code blk_account_io_done} on {@code st} for a request started at jiffies {@code startTime}:
     * {@code ios[rw]++}, {@code ticks[rw] += jiffies - start_time}, round, {@code in_flight[rw]--}.
     */
    public static void ioDone(PartStat st, int rw, long startTime) {
        long duration = Math.max(0, st.jiffies().get() - startTime);
        int cpu = st.partStatLock();
        st.partStatInc(cpu, Field.ios(rw));
        st.partStatAdd(cpu, Field.ticks(rw), duration);
        st.partRoundStats(cpu);
        st.partDecInFlight(rw);
        st.partStatUnlock();
    }
}
