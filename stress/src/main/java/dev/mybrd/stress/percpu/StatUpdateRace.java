package dev.mybrd.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.block.PartStat;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P19, no accounted I/O is lost (spec 3.4). Two tasks each account one 8-sector write with
 * generic_start_io_acct, both starting on CPU 0, so they take turns on it. part_stat_lock() keeps
 * each one on CPU 0 from choosing CPU 0's copy of disk_stats until its plain ios++ and
 * sectors += 8 are done, so the copy has one writer at a time and both updates count.
 *
 * The arbiter sums ios[WRITE] and sectors[WRITE] over the CPUs (part_stat_read).
 *
 * Run: java -jar stress/target/jcstress.jar -t StatUpdateRace -m quick
 * Seeded variant with the same outcomes: StatUpdateRaceWithoutGetCpu.
 */
@JCStressTest
@StressCheck(chapter = "per-cpu", property = "P19 no accounted I/O is lost", seeded = "")
@Outcome(id = "2, 16", expect = ACCEPTABLE, desc = "Both I/Os counted, with all their sectors.")
@Outcome(id = "1, 16", expect = FORBIDDEN, desc = "One ios++ lost: two writers met in one CPU's copy.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: an update of ios or sectors was lost.")
@State
public class StatUpdateRace {
    private final Kernel kernel = new Kernel(2);
    private final PartStat part = Stats.part(kernel, null);

    @Actor
    public void first() {
        Stats.accountOnCpu0(kernel, part, "io-a");
    }

    @Actor
    public void second() {
        Stats.accountOnCpu0(kernel, part, "io-b");
    }

    @Arbiter
    public void sum(II_Result r) {
        r.r1 = Stats.writeIos(part);
        r.r2 = Stats.writeSectors(part);
    }
}
