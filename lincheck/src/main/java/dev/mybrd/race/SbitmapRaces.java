package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.sbitmap.SbitmapScenarios;
import dev.mybrd.lincheck.sbitmap.TagGetters;
import dev.mybrd.lincheck.sbitmap.TwoFreers;
import dev.mybrd.lincheck.sbitmap.TwoFreersSpec;
import dev.mybrd.sbitmap.SbitmapQueue.WakeUp;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The sbitmap / blk-mq tag wait-queue races (kernel-races.md section A) on the later kernels' sbitmap
 * model ({@code dev.mybrd.sbitmap}), each variant the code before or after its fix. KR-03 (a waiter
 * that migrates to another hardware queue) runs on v4.4's {@code bt_get} ({@link MigrationRaces});
 * KR-08 (active_queues and wake_batch updated apart in {@code __blk_mq_tag_busy}) needs the shared-tag
 * model and is not here yet.
 */
final class SbitmapRaces {
    private static final String BATCH = "P-SBQ every wake_batch frees wake a queued waiter";
    private static final String RETURNS = "P-SBQ a waker returns (no hard lockup)";
    private static final String ALLOC = "P-SBQ a task finding no tag sleeps only while none is free";

    /** Invocations a buggy probe may take to find its interleaving; it stops at the first. */
    private static final int BUGGY_BUDGET = 1000;
    /** Invocations of a fixed probe: every interleaving with one or two switches of these scenarios. */
    private static final int FIXED_BUDGET = 120;

    private SbitmapRaces() {
    }

    static List<Race> all() {
        return List.of(kr04(), kr05(), kr06(), kr07(), kr09());
    }


    static Race kr04() {
        return new Race("KR-04", "040b83fcecfb", "sbitmap: fix possible io hung due to lost wakeup",
                "sbitmap", Symptom.LOST_WAKEUP,
                "a waker resets ws->wait_cnt before waking; a second waker counts the fresh batch to 0 and"
                        + " advances wake_index too, so the first advances it twice and wakes its old, now empty"
                        + " queue: two frees, one waiter woken",
                List.of(Probe.owned("KR-04", twoFreers("kr04-cmpxchg-reset", Expect.CATCHES_BUG, TwoFreers.CmpxchgReset.class, BUGGY_BUDGET))),
                List.of(Probe.owned("KR-04", twoFreers("kr04-wake-first", Expect.HOLDS, TwoFreers.WakeFirst.class, FIXED_BUDGET))));
    }

    static Race kr05() {
        return new Race("KR-05", "4acb83417cad", "sbitmap: fix batched wait_cnt accounting",
                "sbitmap", Symptom.HANG,
                "a batched completion frees several tags but sbitmap_queue_wake_up counts one free: wait_cnt"
                        + " never reaches 0 and the waiter sleeps with free tags",
                List.of(Probe.owned("KR-05", new ScenarioCheck(Races.CHAPTER, "kr05-one-decrement-per-batch", BATCH,
                        Expect.CATCHES_BUG, () -> SbitmapScenarios.batchedCompletion(WakeUp.WAKE_FIRST)))),
                List.of(Probe.owned("KR-05", new ScenarioCheck(Races.CHAPTER, "kr05-subtract-batch", BATCH,
                        Expect.HOLDS, () -> SbitmapScenarios.batchedCompletion(WakeUp.BATCHED)))));
    }

    static Race kr06() {
        return new Race("KR-06", "30514bd2dd4e", "sbitmap: fix lockup while swapping",
                "sbitmap", Symptom.HANG,
                "a waker is interrupted after wait_cnt reached 0 and before its reset; a free in the"
                        + " interrupt's softirq finds waiters on that queue with wait_cnt 0 and retries for ever",
                List.of(Probe.owned("KR-06", new ScenarioCheck(Races.CHAPTER, "kr06-batched-irq-free", RETURNS,
                        Expect.CATCHES_BUG, () -> SbitmapScenarios.freeInterruptedByIrqFree(WakeUp.BATCHED, false)))),
                List.of(Probe.owned("KR-06", new ScenarioCheck(Races.CHAPTER, "kr06-skip-zero-cnt", RETURNS,
                        Expect.HOLDS, () -> SbitmapScenarios.freeInterruptedByIrqFree(WakeUp.SKIP_ZERO_CNT, false)))));
    }

    static Race kr07() {
        return new Race("KR-07", "4f8126bb2308", "sbitmap: Use single per-bitmap counting to wake up queued tags",
                "sbitmap", Symptom.LOST_WAKEUP,
                "with KR-06's band-aid a free that finds its queue's wait_cnt at 0 skips it and is lost;"
                        + " one completion_cnt/wakeup_cnt pair for the whole bitmap claims every batch once",
                List.of(Probe.owned("KR-07", new ScenarioCheck(Races.CHAPTER, "kr07-skip-zero-cnt-irq-free", BATCH,
                        Expect.CATCHES_BUG, () -> SbitmapScenarios.freeInterruptedByIrqFree(WakeUp.SKIP_ZERO_CNT, true)))),
                List.of(Probe.owned("KR-07", new ScenarioCheck(Races.CHAPTER, "kr07-counters-irq-free", BATCH,
                                Expect.HOLDS, () -> SbitmapScenarios.freeInterruptedByIrqFree(WakeUp.COUNTERS, true))),
                        Probe.owned("KR-07", twoFreers("kr07-counters-two-freers", Expect.HOLDS, TwoFreers.Counters.class, FIXED_BUDGET))));
    }

    static Race kr09() {
        return new Race("KR-09", "72d04bdcf3f7", "sbitmap: fix io hung due to race on sbitmap_word::cleared",
                "sbitmap", Symptom.HANG,
                "an allocator looks between another's xchg(&cleared, 0) and its andnot on word: the word is"
                        + " full, nothing is left to move, and it sleeps although every tag is free",
                List.of(Probe.owned("KR-09", tagGetters("kr09-lockless-deferred-clear", Expect.CATCHES_BUG,
                        TagGetters.Lockless.class, BUGGY_BUDGET))),
                List.of(Probe.owned("KR-09", tagGetters("kr09-swap-lock", Expect.HOLDS, TagGetters.SwapLock.class, FIXED_BUDGET))));
    }

    /** Two completions on two CPUs, then a look at who was woken. */
    private static Check twoFreers(String name, Expect expect, Class<? extends TwoFreers> testClass,
                                   int invocations) {
        return new LincheckCheck(Races.CHAPTER, name, BATCH, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                        .sequentialSpecification(TwoFreersSpec.class)
                        .addCustomScenario(Scenarios.of(testClass)
                                .thread(call("free", 0))
                                .thread(call("free", 1))
                                .post(call("woken")).build()));
    }

    /** Two allocating tasks on two CPUs. */
    private static Check tagGetters(String name, Expect expect, Class<? extends TagGetters> testClass,
                                    int invocations) {
        return new LincheckCheck(Races.CHAPTER, name, ALLOC, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                        .addCustomScenario(Scenarios.of(testClass)
                                .thread(call("getTag", 0))
                                .thread(call("getTag", 1)).build()));
    }
}
