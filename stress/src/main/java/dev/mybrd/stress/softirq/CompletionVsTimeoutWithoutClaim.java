package dev.mybrd.stress.softirq;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.block.BlkBug;
import dev.mybrd.stress.StressCheck;
import java.util.Set;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * Seeded bug TIMEOUT_WITHOUT_COMPLETE_CLAIM: blk_rq_timed_out_timer ends an expired request without
 * blk_mark_rq_complete, so nothing arbitrates between it and the driver's blk_complete_request (spec
 * 3.9 S4's classic bug: a completion and a timeout both end the request). Both hand the request to CPU 2;
 * its BLOCK_SOFTIRQ ends it twice, and the second end finds it freed.
 *
 * Same actors and outcome specification as CompletionVsTimeoutRace (read it first); only the queue's
 * seeded bug differs. "Ended twice" is FORBIDDEN and expected here: the gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.CompletionVsTimeoutWithoutClaim$' -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "softirq", property = "P17 a request is ended exactly once (completion vs timeout)", seeded = "TIMEOUT_WITHOUT_COMPLETE_CLAIM")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "The driver's completion won the COMPLETE bit and ended the request; the timeout did nothing.")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "The timeout won the COMPLETE bit and ended the request with -EIO; the late completion did nothing.")
@Outcome(id = "1, .*, [1-9]", expect = FORBIDDEN, desc = "Ended twice: the second end found the request already freed (use-after-free).")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "Never ended: both sides backed off.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a bio ended twice or with a foreign status.")
@State
public class CompletionVsTimeoutWithoutClaim {
    private final CompletionVsTimeout race = new CompletionVsTimeout(Set.of(BlkBug.TIMEOUT_WITHOUT_COMPLETE_CLAIM));

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
