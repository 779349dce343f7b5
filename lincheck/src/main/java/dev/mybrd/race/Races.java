package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.freeze.FreezeCycles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The race catalog: every reproducible race, in id order. A race reuses a chapter's check where the
 * chapter already checks that exact interleaving (the suite then runs it once, in the chapter), and
 * owns its probes otherwise (chapter {@value #CHAPTER}).
 */
public final class Races {
    /** The chapter name of the checks the catalog owns. */
    public static final String CHAPTER = "races";

    private Races() {
    }

    /** Every race, in id order. */
    public static List<Race> all() {
        List<Race> races = new ArrayList<>();
        races.add(kr18());
        races.add(kr19());
        races.add(kr20());
        races.add(mybrd06());
        races.add(g01());
        races.addAll(SbitmapRaces.all());
        races.sort((a, b) -> order(a.id()).compareTo(order(b.id())));
        return races;
    }

    /** The race {@code id} (any case). */
    public static Optional<Race> byId(String id) {
        String want = id.toUpperCase(Locale.ROOT);
        return all().stream().filter(r -> r.id().equals(want)).findFirst();
    }

    /** KR before MYBRD before G, then by number. */
    private static String order(String id) {
        String kind = id.substring(0, id.indexOf('-'));
        int rank = switch (kind) {
            case "KR" -> 0;
            case "MYBRD" -> 1;
            default -> 2;
        };
        return rank + id.substring(id.indexOf('-'));
    }

    private static Probe chapterCheck(String chapter, String name) {
        return new Probe.InProcess(Catalog.find(chapter, name));
    }

    private static Probe owned(String raceId, Check check) {
        return new Probe.InProcess(new RaceCheck(raceId, check));
    }

    private static Probe stress(String simpleName, Expect expect) {
        return new Probe.Jcstress(simpleName, expect);
    }

    static Race kr18() {
        String property = "P30 a freezer returns once the queue drains";
        return new Race("KR-18", "7996a8b5511a", "blk-mq: fix hang caused by freeze/unfreeze sequence",
                "blk-mq queue freeze", Symptom.HANG,
                "an unfreeze that brought mq_freeze_depth to 0 revives q_usage_counter after a new freeze has"
                        + " killed it again: the freezer waits for a live counter to reach zero, forever",
                List.of(owned("KR-18", freezeCycles("kr18-v44-freeze-unfreeze", Expect.CATCHES_BUG, property,
                        FreezeCycles.V44.class))),
                List.of(owned("KR-18", freezeCycles("kr18-freeze-lock", Expect.HOLDS, property,
                        FreezeCycles.FreezeLock.class))));
    }

    /** Two tasks each freezing and unfreezing the queue once, every interleaving up to the budget. */
    private static Check freezeCycles(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(600)
                        .addCustomScenario(Scenarios.of(testClass)
                                .thread(call("freezeCycle", 0))
                                .thread(call("freezeCycle", 1)).build()));
    }

    static Race kr19() {
        return new Race("KR-19", "c007062188d8", "block: fix false warning in bdev_count_inflight_rw()",
                "per-cpu statistics", Symptom.ACCOUNTING,
                "a reader sums per-CPU in_flight while an I/O starts on a CPU it already summed and ends on"
                        + " one it has not: the sum reads -1 (fixed by clamping at 0)",
                List.of(chapterCheck(Catalog.PER_CPU, "seeded-kr19-percpu-raw-sum")),
                List.of(chapterCheck(Catalog.PER_CPU, "in-flight-percpu-clamped-mc")));
    }

    static Race kr20() {
        return new Race("KR-20", "brd.c (2007)", "brd_insert_page: the loser of an insert race takes the winner's page",
                "brd", Symptom.CORRUPTION,
                "two first writers of one page both find it missing; without the -EEXIST re-check under"
                        + " brd_lock the second page replaces the first and a completed write is lost",
                List.of(chapterCheck(Catalog.RAMDISK, "seeded-insert-without-recheck"),
                        stress("FirstWriteRaceWithoutRecheck", Expect.CATCHES_BUG)),
                List.of(chapterCheck(Catalog.RAMDISK, "per-sector-mc"),
                        stress("FirstWriteRace", Expect.HOLDS)));
    }

    static Race mybrd06() {
        return new Race("MYBRD-06", "mybrd ch03-ramdisk", "in_flight leak when a bio fails",
                "mybrd", Symptom.ACCOUNTING,
                "mybrd_make_request_fn starts the accounting of every bio but ends it only on success: after"
                        + " an -ENOSPC write in_flight never returns to 0",
                List.of(chapterCheck(Catalog.PER_CPU, "seeded-in-flight-leak")),
                List.of(chapterCheck(Catalog.PER_CPU, "quiescent-stat-file")));
    }

    static Race g01() {
        return new Race("G-01", "bcache (2020)", "lost wake-up: the condition tested before the waiter is queued",
                "wait-queue", Symptom.LOST_WAKEUP,
                "the waiter tests its condition, the waker sets it and finds no one queued, then the waiter"
                        + " queues itself and sleeps for good (bcache's mca_cannibalize_lock, and the rule above"
                        + " waitqueue_active() in wait.h)",
                List.of(chapterCheck(Catalog.WAIT_QUEUE, "seeded-test-before-register"),
                        stress("LostWakeUpTestBeforeRegister", Expect.CATCHES_BUG)),
                List.of(chapterCheck(Catalog.WAIT_QUEUE, "no-lost-wakeup-mc"),
                        stress("LostWakeUp", Expect.HOLDS)));
    }
}
