package dev.mybrd.stress.percpu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.block.PerCpuInFlight;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/*
 * Kernel-races KR-19, "in_flight reads -1" (2025), on later kernels' per-CPU in_flight (not v4.4's
 * shared atomics). One write I/O is accounted as started on CPU 0 and, its task migrated, as ended on
 * CPU 3 of the tutorial's 4: CPU 0's copy goes to 1 and CPU 3's to -1. A reader sums the copies CPU
 * by CPU with no lock, as bdev_count_inflight_rw does, without the clamp (what f5482ee5edb9 expected
 * never to be negative).
 *
 * 0 and 1 are what one expects. -1 is real: the reader summed CPU 0 before the I/O started and
 * CPU 3 after it ended, so it counted only the decrement. c007062188d8 clamps the sum at 0 for that
 * reason. The window is the reader's few loads between CPU 0 and CPU 3, so the outcome is rare on
 * real hardware; the model checking row seeded-kr19-percpu-raw-sum finds it every time.
 *
 * Run: java -jar stress/target/jcstress.jar -t InFlightStraddle -m quick
 */
@JCStressTest
@StressCheck(chapter = "per-cpu", property = "KR-19 per-CPU in_flight sum may read -1", seeded = "")
@Outcome(id = "0", expect = ACCEPTABLE, desc = "The read came before the I/O started or after it ended.")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "The read saw the I/O in flight.")
@Outcome(id = "-1", expect = ACCEPTABLE_INTERESTING, desc = "KR-19: started on a summed CPU, ended on one not yet summed.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: an increment or decrement went missing.")
@State
public class InFlightStraddle {
    private static final int LAST_CPU = Kernel.DEFAULT_NR_CPUS - 1;

    private final Kernel kernel = new Kernel();
    private final PerCpuInFlight inFlight = new PerCpuInFlight(kernel);

    @Actor
    public void io() {
        kernel.runOn(0, "io", () -> {
            inFlight.startIoAcct(PerCpuInFlight.WRITE);
            kernel.migrate(LAST_CPU);
            inFlight.endIoAcct(PerCpuInFlight.WRITE);
        });
    }

    @Actor
    public void reader(I_Result r) {
        r.r1 = inFlight.countRaw(PerCpuInFlight.WRITE);
    }
}
