package dev.mybrd.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.block.PartStat;
import dev.mybrd.block.StatBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug UPDATE_WITHOUT_GET_CPU: the accounting takes smp_processor_id() without
 * part_stat_lock(), so it stays preemptible, and the variant's explicit preemption point sits inside
 * ios++: after loading CPU 0's ios the task is moved to CPU 1, then stores the incremented value
 * back into CPU 0's copy. The other task, let onto CPU 0 as soon as the first left it, updates the
 * same copy in the meantime; one increment overwrites the other.
 *
 * Same actors and outcome specification as StatUpdateRace (read it first); only the statistics
 * variant differs. The lost update is still FORBIDDEN: this check is expected to observe it, which
 * proves that StatUpdateRace would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t StatUpdateRaceWithoutGetCpu -m quick
 */
@JCStressTest
@StressCheck(chapter = "per-cpu", property = "P19 no accounted I/O is lost", seeded = "UPDATE_WITHOUT_GET_CPU")
@Outcome(id = "2, 16", expect = ACCEPTABLE, desc = "Both I/Os counted, with all their sectors.")
@Outcome(id = "1, 16", expect = FORBIDDEN, desc = "One ios++ lost: two writers met in one CPU's copy.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: an update of ios or sectors was lost.")
@State
public class StatUpdateRaceWithoutGetCpu {
    private final Kernel kernel = new Kernel(2);
    private final PartStat part = Stats.part(kernel, StatBug.UPDATE_WITHOUT_GET_CPU);

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
