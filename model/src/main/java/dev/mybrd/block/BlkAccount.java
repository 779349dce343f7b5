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
 */
final class BlkAccount {
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
        int cpu = st.partStatLock();
        if (!newIo) {
            st.partStatInc(cpu, Field.merges(rw(rq)));
        } else {
            st.partRoundStats(cpu);
            st.partIncInFlight(rw(rq));
            rq.cmdFlags |= Request.REQ_IO_STAT;
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
        int cpu = st.partStatLock();
        st.partStatAdd(cpu, Field.sectors(rw(rq)), bytes >> Bio.SECTOR_SHIFT);
        st.partStatUnlock();
    }

    /** {@code blk_account_io_done(req)}. */
    static void ioDone(Request rq) {
        PartStat st = rq.q.stats;
        if (st == null || (rq.cmdFlags & Request.REQ_IO_STAT) == 0) {
            return;
        }
        long duration = Math.max(0, st.jiffies().get() - rq.startTime);
        int cpu = st.partStatLock();
        st.partStatInc(cpu, Field.ios(rw(rq)));
        st.partStatAdd(cpu, Field.ticks(rw(rq)), duration);
        st.partRoundStats(cpu);
        st.partDecInFlight(rw(rq));
        st.partStatUnlock();
    }
}
