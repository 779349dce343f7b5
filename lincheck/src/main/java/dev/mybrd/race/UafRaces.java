package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.uaf.BrdDiscard;
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
        races.add(kr21());
        return races;
    }

    private static Probe owned(String raceId, Check check) {
        return new Probe.InProcess(new RaceCheck(raceId, check));
    }

    static Race kr21() {
        String property = "no bio touches a freed page";
        return new Race("KR-21", "0e8acffc1be1", "brd: protect page with rcu", "brd", Symptom.USE_AFTER_FREE,
                "a read or write looks its page up, a discard erases and frees the page (9ead7efc6f3f), and the"
                        + " copy then runs on the freed page",
                List.of(owned("KR-21", brdDiscard("kr21-free-at-once", Expect.CATCHES_BUG, property,
                        BrdDiscard.FreeAtOnce.class))),
                List.of(owned("KR-21", brdDiscard("kr21-free-after-grace-period", Expect.HOLDS, property,
                        BrdDiscard.FreeAfterGracePeriod.class))));
    }

    /** A read against a discard of its page, then a write against one. */
    private static Check brdDiscard(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(50)
                        .addCustomScenario(Scenarios.of(testClass).thread(call("read")).thread(call("discard")).build())
                        .addCustomScenario(Scenarios.of(testClass).thread(call("write")).thread(call("discard")).build()));
    }
}
