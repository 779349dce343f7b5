package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.uaf.BrdDiscard;
import dev.mybrd.lincheck.uaf.StaleRequestIter;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The use-after-free races (kernel-races sections C and F): an object freed while another CPU still
 * uses a pointer it looked up. Each is detected explicitly: the freed object is marked freed (a page
 * is also poisoned) and an access to it throws "BUG: KASAN: use-after-free in ...".
 */
final class UafRaces {
    private static final String CHAPTER = Races.CHAPTER;

    private UafRaces() {
    }

    static List<Race> all() {
        List<Race> races = new ArrayList<>();
        races.add(kr15());
        races.add(kr21());
        return races;
    }


    static Race kr15() {
        String property = "a tag iterator never touches a freed request";
        return new Race("KR-15", "bd63141d585b", "blk-mq: clear stale request in tags->rq[] before freeing one request pool",
                "blk-mq tags", Symptom.USE_AFTER_FREE,
                "a driver tag is set but its rqs[] entry still points at another queue's request; that queue's"
                        + " pool is freed and blk_mq_tagset_busy_iter reads the stale request",
                List.of(Probe.owned("KR-15", threeWay("kr15-ref-without-clear", Expect.CATCHES_BUG, property,
                        StaleRequestIter.RefWithoutClear.class))),
                List.of(Probe.owned("KR-15", threeWay("kr15-clear-stale-under-lock", Expect.HOLDS, property,
                        StaleRequestIter.ClearStaleUnderLock.class))));
    }

    /** The pool's free, queue B's dispatch and the busy iterator, one per thread. */
    private static Check threeWay(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(200)
                        .addCustomScenario(Scenarios.of(testClass).thread(call("freeQueueA"))
                                .thread(call("dispatchB")).thread(call("countBusy")).build()));
    }

    static Race kr21() {
        String property = "no bio touches a freed page";
        return new Race("KR-21", "0e8acffc1be1", "brd: protect page with rcu", "brd", Symptom.USE_AFTER_FREE,
                "a read or write looks its page up, a discard erases and frees the page (9ead7efc6f3f), and the"
                        + " copy then runs on the freed page",
                List.of(Probe.owned("KR-21", brdDiscard("kr21-free-at-once", Expect.CATCHES_BUG, property,
                        BrdDiscard.FreeAtOnce.class))),
                List.of(Probe.owned("KR-21", brdDiscard("kr21-free-after-grace-period", Expect.HOLDS, property,
                        BrdDiscard.FreeAfterGracePeriod.class))));
    }

    /** A read against a discard of its page, then a write against one. */
    private static Check brdDiscard(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0)
                        .invocationsPerIteration(expect == Expect.HOLDS ? 25 : 50)
                        .addCustomScenario(Scenarios.of(testClass).thread(call("read")).thread(call("discard")).build())
                        .addCustomScenario(Scenarios.of(testClass).thread(call("write")).thread(call("discard")).build()));
    }
}
