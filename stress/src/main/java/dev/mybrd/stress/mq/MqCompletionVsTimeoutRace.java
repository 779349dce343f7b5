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
 * P1 / P17 in blk-mq (spec 3.11, last classic bug): a started request's completion interrupt (CPU 1,
 * blk_mq_complete_request) races the timeout timer (CPU 0, blk_mq_rq_timer -> blk_mq_check_expired).
 * Both claim the request with test_and_set_bit(REQ_ATOM_COMPLETE); the winner hands it to the
 * submitting CPU 2 (QUEUE_FLAG_SAME_COMP), which ends it; the loser does nothing.
 * MqCompletionVsTimeout (read it first) builds the machine.
 *
 * r1 = how many times the bio was ended, r2 = who ended it (1 = the driver, status OK; 2 = the
 * timeout, -EIO; 0 = nobody), r3 = ends of the already freed request that the model stopped.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.MqCompletionVsTimeoutRace$' -m quick -sc false
 * Seeded variant with the same outcomes: MqCompletionVsTimeoutBothEnd.
 */
@JCStressTest
@StressCheck(chapter = "mq", property = "P1 a blk-mq request is ended exactly once (completion vs timeout)", seeded = "")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "The driver's completion won the COMPLETE bit and ended the request; the timeout scan skipped it.")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "The timeout scan won the COMPLETE bit and ended the request with -EIO; the late completion did nothing.")
@Outcome(id = "1, .*, [1-9]", expect = FORBIDDEN, desc = "Ended twice: the second end found the request already freed (use-after-free).")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "Never ended: both sides backed off.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a bio ended twice or with a foreign status.")
@State
public class MqCompletionVsTimeoutRace {
    private final MqCompletionVsTimeout race = new MqCompletionVsTimeout(true);

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
