package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.freeze.FreezeCycles;
import dev.mybrd.lincheck.nullblk.PowerOffVsRmdir;
import dev.mybrd.lincheck.sb.DispatchRestart;
import dev.mybrd.lincheck.sb.MarkTagWait;
import dev.mybrd.lincheck.sb.TagWakeupAll;
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
        races.add(kr01());
        races.add(kr10());
        races.add(kr11());
        races.add(kr18());
        races.add(kr19());
        races.add(kr20());
        races.add(kr22());
        races.add(mybrd06());
        races.add(g01());
        races.addAll(SbitmapRaces.all());
        races.addAll(UafRaces.all());
        races.addAll(LifeRaces.all());
        races.addAll(DriverRaces.all());
        races.addAll(TeardownRaces.all());
        races.addAll(MigrationRaces.all());
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



    private static Probe stress(String simpleName, Expect expect) {
        return new Probe.Jcstress(simpleName, expect);
    }

    static Race kr01() {
        return storeBuffering("KR-01", "8ee1b7b9d876",
                "blk-mq: fix waitqueue_active without memory barrier in block/blk-mq-tag.c", "blk-mq tags",
                "blk_mq_tag_update_depth stores the new depth and reads waitqueue_active() with no barrier in"
                        + " between; bt_get, queued and past its own barrier, reads the old depth: both miss",
                "kr01", TagWakeupAll.NoBarrier.class, TagWakeupAll.WithBarrier.class, "updateDepth", "btGet");
    }

    static Race kr10() {
        return storeBuffering("KR-10", "5266caaf5660", "blk-mq: fix IO hang from sbitmap wakeup race",
                "blk-mq driver tags", "blk_mq_mark_tag_wait adds itself to the wait queue and retries the tag with"
                        + " no barrier in between (a failed get writes nothing); the tag's release reads an empty"
                        + " wait queue: both miss",
                "kr10", MarkTagWait.NoBarrier.class, MarkTagWait.WithBarrier.class, "markTagWait", "putTag",
                stress("LostWakeUpSBNoWaiterBarrier", Expect.CATCHES_BUG), stress("LostWakeUpSB", Expect.HOLDS));
    }

    static Race kr11() {
        return storeBuffering("KR-11", "d7d8535f377e",
                "blk-mq: order adding requests to hctx->dispatch and checking SCHED_RESTART", "blk-mq dispatch",
                "the dispatcher adds to hctx->dispatch then reads SCHED_RESTART, the restarter clears SCHED_RESTART"
                        + " then reads hctx->dispatch, neither with a barrier: both miss and the requests stay put",
                "kr11", DispatchRestart.NoBarriers.class, DispatchRestart.PairedBarriers.class, "dispatch", "restart");
    }

    /**
     * A store-buffering race reduced to its accesses on explicit x86-TSO store buffers: the same two
     * code paths, one per CPU, before the fix (caught by the class's validation) and after it.
     */
    private static Race storeBuffering(String id, String commit, String title, String subsystem, String summary,
                                       String prefix, Class<?> buggy, Class<?> fixed, String first, String second,
                                       Probe... onHardware) {
        String property = "P11 no lost wake-up (store buffering, x86-TSO)";
        List<Probe> buggyProbes = new ArrayList<>(List.of(Probe.owned(id, racing(prefix + "-without-barrier",
                Expect.CATCHES_BUG, property, buggy, first, second))));
        List<Probe> fixedProbes = new ArrayList<>(List.of(Probe.owned(id, racing(prefix + "-with-barrier", Expect.HOLDS,
                property, fixed, first, second))));
        for (Probe p : onHardware) {
            (p.expect() == Expect.CATCHES_BUG ? buggyProbes : fixedProbes).add(p);
        }
        return new Race(id, commit, title, subsystem, Symptom.LOST_WAKEUP, summary, buggyProbes, fixedProbes);
    }

    static Race kr18() {
        String property = "P30 a freezer returns once the queue drains";
        return new Race("KR-18", "7996a8b5511a", "blk-mq: fix hang caused by freeze/unfreeze sequence",
                "blk-mq queue freeze", Symptom.HANG,
                "an unfreeze that brought mq_freeze_depth to 0 revives q_usage_counter after a new freeze has"
                        + " killed it again: the freezer waits for a live counter to reach zero, forever",
                List.of(Probe.owned("KR-18", freezeCycles("kr18-v44-freeze-unfreeze", Expect.CATCHES_BUG, property,
                        FreezeCycles.V44.class, 600))),
                List.of(Probe.owned("KR-18", freezeCycles("kr18-freeze-lock", Expect.HOLDS, property,
                        FreezeCycles.FreezeLock.class, 150))));
    }

    /**
     * Two tasks each freezing and unfreezing the queue once, interleavings up to {@code invocations}.
     * The v4.4 hang shows within the first 200 or so; the fixed code is explored for 150.
     */
    private static Check freezeCycles(String name, Expect expect, String property, Class<?> testClass,
                                      int invocations) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                        .addCustomScenario(Scenarios.of(testClass)
                                .thread(call("freezeCycle", 0))
                                .thread(call("freezeCycle", 1)).build()));
    }

    static Race kr19() {
        return new Race("KR-19", "c007062188d8", "block: fix false warning in bdev_count_inflight_rw()",
                "per-cpu statistics", Symptom.ACCOUNTING,
                "a reader sums per-CPU in_flight while an I/O starts on a CPU it already summed and ends on"
                        + " one it has not: the sum reads -1 (fixed by clamping at 0)",
                List.of(Probe.chapter(Catalog.PER_CPU, "seeded-kr19-percpu-raw-sum")),
                List.of(Probe.chapter(Catalog.PER_CPU, "in-flight-percpu-clamped-mc")));
    }

    static Race kr20() {
        return new Race("KR-20", "brd.c (2007)", "brd_insert_page: the loser of an insert race takes the winner's page",
                "brd", Symptom.CORRUPTION,
                "two first writers of one page both find it missing; without the -EEXIST re-check under"
                        + " brd_lock the second page replaces the first and a completed write is lost",
                List.of(Probe.chapter(Catalog.RAMDISK, "seeded-insert-without-recheck"),
                        stress("FirstWriteRaceWithoutRecheck", Expect.CATCHES_BUG)),
                List.of(Probe.chapter(Catalog.RAMDISK, "per-sector-mc"),
                        stress("FirstWriteRace", Expect.HOLDS)));
    }

    static Race kr22() {
        String property = "exactly one remover deletes the device";
        return new Race("KR-22", "7602843fd873", "block: null_blk: fix race condition for null_del_dev",
                "null_blk configfs", Symptom.CRASH,
                "echo 0 > power and rmdir of the device's configfs directory both see NULLB_DEV_FL_UP set and both"
                        + " call null_del_dev: the second dereferences the device the first freed",
                List.of(Probe.owned("KR-22", racing("kr22-test-then-clear", Expect.CATCHES_BUG, property,
                        PowerOffVsRmdir.TestThenClear.class, "powerOff", "rmdir"))),
                List.of(Probe.owned("KR-22", racing("kr22-test-and-clear", Expect.HOLDS, property,
                        PowerOffVsRmdir.TestAndClear.class, "powerOff", "rmdir"))));
    }

    /** Model checking of one operation per thread, every interleaving up to the budget. */
    private static Check racing(String name, Expect expect, String property, Class<?> testClass, String first,
                                String second) {
        int invocations = expect == Expect.HOLDS ? 300 : 600; // a buggy run stops at its first counterexample
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                        .addCustomScenario(Scenarios.of(testClass).thread(call(first)).thread(call(second)).build()));
    }

    static Race mybrd06() {
        return new Race("MYBRD-06", "mybrd ch03-ramdisk", "in_flight leak when a bio fails",
                "mybrd", Symptom.ACCOUNTING,
                "mybrd_make_request_fn starts the accounting of every bio but ends it only on success: after"
                        + " an -ENOSPC write in_flight never returns to 0",
                List.of(Probe.chapter(Catalog.PER_CPU, "seeded-in-flight-leak")),
                List.of(Probe.chapter(Catalog.PER_CPU, "quiescent-stat-file")));
    }

    static Race g01() {
        return new Race("G-01", "bcache (2020)", "lost wake-up: the condition tested before the waiter is queued",
                "wait-queue", Symptom.LOST_WAKEUP,
                "the waiter tests its condition, the waker sets it and finds no one queued, then the waiter"
                        + " queues itself and sleeps for good (bcache's mca_cannibalize_lock, and the rule above"
                        + " waitqueue_active() in wait.h)",
                List.of(Probe.chapter(Catalog.WAIT_QUEUE, "seeded-test-before-register"),
                        stress("LostWakeUpTestBeforeRegister", Expect.CATCHES_BUG)),
                List.of(Probe.chapter(Catalog.WAIT_QUEUE, "no-lost-wakeup-mc"),
                        stress("LostWakeUp", Expect.HOLDS)));
    }
}
