package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.mqrq.SharedTagRerun;
import dev.mybrd.lincheck.mqrq.TimeoutVsCompletion;
import dev.mybrd.lincheck.mqrq.TimeoutVsFlushTag;
import dev.mybrd.lincheck.mqrq.TimeoutVsReuse;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The request life-cycle races (kernel-races section B and KR-02): blk-mq's timeout handler against
 * completion, free and reuse of a request, and a dispatch that loses its re-run. Each runs on the
 * compact request model of {@code dev.mybrd.mqrq}.
 */
final class LifeRaces {
    private LifeRaces() {
    }

    static List<Race> all() {
        return List.of(kr02(), kr12(), kr13(), kr14());
    }

    static Race kr02() {
        String property = "a request put back for want of a driver tag is run again";
        return new Race("KR-02", "eb619fdb2d4c", "blk-mq: fix issue with shared tag queue re-running",
                "blk-mq dispatch", Symptom.HANG,
                "the shared driver tag a hctx waits for is freed and its wake-up runs the queue before the"
                        + " dispatcher has put its request back on hctx->dispatch; with SCHED_RESTART set the"
                        + " dispatcher does not re-run it, and nothing else will: the I/O hangs",
                List.of(Probe.owned("KR-02", twoOps("kr02-tag-waiting-bit", Expect.CATCHES_BUG, property,
                        SharedTagRerun.TagWaitingBit.class, "dispatch", "otherDeviceCompletes"))),
                List.of(Probe.owned("KR-02", twoOps("kr02-rerun-if-wait-gone", Expect.HOLDS, property,
                        SharedTagRerun.RerunIfWaitGone.class, "dispatch", "otherDeviceCompletes"))));
    }

    static Race kr12() {
        String property = "the timeout scan only looks at requests it can trust";
        return new Race("KR-12", "0048b4837aff", "blk-mq: fix race between timeout and freeing request",
                "blk-mq timeout", Symptom.CRASH,
                "the timeout timer's bt_for_each finds a tag busy and blk_mq_tag_to_rq dereferences the request's"
                        + " own fields to tell it from the flush request that borrowed its tag, before the"
                        + " allocation has filled them in: NULL pointer dereference",
                List.of(Probe.owned("KR-12", twoOps("kr12-derive-from-rq", Expect.CATCHES_BUG, property,
                        TimeoutVsFlushTag.DeriveFromRq.class, "submitFlush", "timeoutScan"))),
                List.of(Probe.owned("KR-12", twoOps("kr12-rqs-active-rq", Expect.HOLDS, property,
                        TimeoutVsFlushTag.ActiveRq.class, "submitFlush", "timeoutScan"))));
    }

    static Race kr13() {
        String property = "each use of a request ends once, and only its own timeout terminates it";
        return new Race("KR-13", "1d9bd5161ba3",
                "blk-mq: replace timeout synchronization with a RCU and generation based scheme", "blk-mq timeout",
                Symptom.DOUBLE_COMPLETION,
                "the timeout handler reads REQ_ATOM_STARTED and the deadline of a use that is just ending, then wins"
                        + " REQ_ATOM_COMPLETE against the next use of the same request: the driver aborts a healthy I/O",
                List.of(Probe.owned("KR-13", twoOps("kr13-v44-atomic-flags", Expect.CATCHES_BUG, property,
                        TimeoutVsReuse.AtomicFlags.class, "timeoutScan", "completeAndReuse"))),
                List.of(Probe.owned("KR-13", twoOps("kr13-generation-rcu", Expect.HOLDS, property,
                                TimeoutVsReuse.Generation.class, "timeoutScan", "completeAndReuse")),
                        Probe.owned("KR-13", twoOps("kr13-refcount-state", Expect.HOLDS, property,
                                TimeoutVsReuse.Refcount.class, "timeoutScan", "completeAndReuse"))));
    }

    static Race kr14() {
        String property = "a completion that races the timeout handler is not lost";
        return new Race("KR-14", "12f5b9314545", "blk-mq: Remove generation seqeunce", "blk-mq timeout",
                Symptom.LOST_COMPLETION,
                "the generation scheme drops a completion that arrives while the timeout handler holds its claim;"
                        + " when the driver answers BLK_EH_RESET_TIMER the request stays in flight for good",
                List.of(Probe.owned("KR-14", twoOps("kr14-generation-rcu", Expect.CATCHES_BUG, property,
                        TimeoutVsCompletion.Generation.class, "timeoutScan", "complete"))),
                List.of(Probe.owned("KR-14", twoOps("kr14-refcount-state", Expect.HOLDS, property,
                        TimeoutVsCompletion.Refcount.class, "timeoutScan", "complete"))));
    }


    /** Model checking of one operation per thread, every interleaving up to the budget. */
    private static Check twoOps(String name, Expect expect, String property, Class<?> testClass, String first,
                                String second) {
        return new LincheckCheck(Races.CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(300)
                        .addCustomScenario(Scenarios.of(testClass).thread(call(first)).thread(call(second)).build()));
    }
}
