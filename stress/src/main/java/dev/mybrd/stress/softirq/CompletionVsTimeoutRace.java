package dev.mybrd.stress.softirq;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * P17 / spec 3.9 S4, exactly-once completion: a started request's completion interrupt (CPU 1,
 * blk_complete_request) races its timeout (CPU 0, blk_rq_timed_out_timer). Both claim the request with
 * test_and_set_bit(REQ_ATOM_COMPLETE); whoever wins hands it to BLOCK_SOFTIRQ on the submitting CPU 2,
 * which ends it, and the other does nothing. CompletionVsTimeout (read it first) builds the machine.
 *
 * r1 = how many times the request's bio was ended (bio_endio), r2 = who ended it (1 = the driver's
 * completion, status OK; 2 = the timeout, -EIO; 0 = nobody), r3 = further ends of the already freed
 * request that the model stopped as a KASAN use-after-free.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.CompletionVsTimeoutRace$' -m quick -sc false
 * Seeded variant with the same outcomes: CompletionVsTimeoutWithoutClaim.
 */
@JCStressTest
@StressCheck(chapter = "softirq", property = "P17 a request is ended exactly once (completion vs timeout)", seeded = "")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "The driver's completion won the COMPLETE bit and ended the request; the timeout did nothing.")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "The timeout won the COMPLETE bit and ended the request with -EIO; the late completion did nothing.")
@Outcome(id = "1, .*, [1-9]", expect = FORBIDDEN, desc = "Ended twice: the second end found the request already freed (use-after-free).")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "Never ended: both sides backed off.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a bio ended twice or with a foreign status.")
@State
public class CompletionVsTimeoutRace {
    private final CompletionVsTimeout race = new CompletionVsTimeout(Set.of());

    @Actor
    public void driverIrq() {
        race.driverIrq();
    }

    @Actor
    public void timeout() {
        race.timerTick();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        race.settle();
        r.r1 = race.ends();
        r.r2 = race.endedBy();
        r.r3 = race.secondEnds();
    }
}
