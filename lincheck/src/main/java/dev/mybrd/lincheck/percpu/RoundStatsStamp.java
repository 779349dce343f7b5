package dev.mybrd.lincheck.percpu;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.rcu.Rcu;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * The knowingly racy {@code part->stamp} (spec 3.4, race (c)). One I/O has been in flight since
 * jiffy 0 and the clock is at 1. {@link #round} is {@code part_round_stats} under
 * {@code part_stat_lock} on the caller's CPU; {@link #ioTicks} reads {@code io_ticks}. Run one after
 * the other, the first rounding charges the one jiffy and the second finds {@code stamp == now}:
 * {@code io_ticks} is 1. Two CPUs rounding at once can both see the old stamp and both charge it:
 * {@code io_ticks} 2 for one jiffy of wall time, the "more than 100% busy" of iostat. v4.4 accepts
 * this; the check shows it.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public class RoundStatsStamp {
    private final Kernel kernel = new Kernel(2);
    private final PartStat part = new PartStat(kernel, new Rcu(kernel), new Jiffies());

    public RoundStatsStamp() {
        kernel.runOn(0, "io", () -> part.genericStartIoAcct(PartStat.READ, 8));
        part.jiffies().tick();
    }

    @Operation
    public int round(@Param(name = "cpu") int cpu) {
        kernel.runOn(cpu % kernel.nrCpus(), "iostat", () -> {
            int me = part.partStatLock();
            part.partRoundStats(me);
            part.partStatUnlock();
        });
        return 0;
    }

    @Operation
    public long ioTicks() {
        return part.partStatRead(Field.IO_TICKS);
    }
}
