package dev.mybrd.stress.mq;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/*
 * Seeded bug COMPLETION_AND_TIMEOUT_BOTH_END: the driver's interrupt ends the request with
 * blk_mq_end_request directly, as mybrd's mq mode does, instead of blk_mq_complete_request, so nothing
 * arbitrates against the timeout scan. When the scan claims the request first, its -EIO end is on its
 * way to CPU 2 while the driver ends and frees the request; CPU 2 then ends a freed request.
 *
 * Same actors and outcome specification as MqCompletionVsTimeoutRace (read it first); only the
 * driver's completion call differs. "Ended twice" is FORBIDDEN and expected here: the gate reports
 * CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.MqCompletionVsTimeoutBothEnd$' -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "mq", property = "P1 a blk-mq request is ended exactly once (completion vs timeout)", seeded = "COMPLETION_AND_TIMEOUT_BOTH_END")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "The driver's completion won the COMPLETE bit and ended the request; the timeout scan skipped it.")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "The timeout scan won the COMPLETE bit and ended the request with -EIO; the late completion did nothing.")
@Outcome(id = "1, .*, [1-9]", expect = FORBIDDEN, desc = "Ended twice: the second end found the request already freed (use-after-free).")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "Never ended: both sides backed off.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a bio ended twice or with a foreign status.")
@State
public class MqCompletionVsTimeoutBothEnd {
    private final MqCompletionVsTimeout race = new MqCompletionVsTimeout(false);

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
