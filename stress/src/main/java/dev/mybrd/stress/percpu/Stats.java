package dev.mybrd.stress.percpu;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.StatBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.rcu.Rcu;
import java.util.Set;

/** Plumbing shared by the per-cpu stress tests. Not a test itself. */
final class Stats {
    /** Sectors of the one bio each updater accounts. */
    static final int SECTORS = 8;

    private Stats() {
    }

    /** A new partition's statistics on {@code kernel}, with {@code bug} switched on unless it is null. */
    static PartStat part(Kernel kernel, StatBug bug) {
        return new PartStat(kernel, new Rcu(kernel), new Jiffies(), bug == null ? Set.of() : Set.of(bug));
    }

    /** {@code generic_start_io_acct(WRITE, 8)} as a task on CPU 0. */
    static void accountOnCpu0(Kernel kernel, PartStat part, String comm) {
        kernel.runOn(0, comm, () -> part.genericStartIoAcct(PartStat.WRITE, SECTORS));
    }

    /** {@code part_stat_read(ios[WRITE])}. */
    static int writeIos(PartStat part) {
        return (int) part.partStatRead(Field.IOS_WRITE);
    }

    /** {@code part_stat_read(sectors[WRITE])}. */
    static int writeSectors(PartStat part) {
        return (int) part.partStatRead(Field.SECTORS_WRITE);
    }
}
