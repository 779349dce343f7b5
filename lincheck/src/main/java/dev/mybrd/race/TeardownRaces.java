package dev.mybrd.race;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.lincheck.kcsan.QueueRqCopy;
import dev.mybrd.lincheck.pagecache.IoctlVsReclaim;
import dev.mybrd.lincheck.teardown.UnloadVsOpen;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The last mybrd defects of spec section 2.8 that concern concurrency: the module's unload order
 * (item 7), the unlocked copy of the live device in {@code queue_rq} (item 8) and the page-cache walk
 * of the {@code ex-pagecache} ioctl (item 13). Each runs mybrd's code (buggy) and the kernel's protocol
 * (fixed) on the same two-thread scenario.
 */
final class TeardownRaces {
    private static final String CHAPTER = Races.CHAPTER;

    private TeardownRaces() {
    }

    static List<Race> all() {
        return List.of(mybrd07(), mybrd08(), mybrd13());
    }

    static Race mybrd07() {
        String property = "P28 nothing reaches a driver's memory after unload";
        return new Race("MYBRD-07", "mybrd master (mybrd_exit)", "teardown without del_gendisk",
                "mybrd", Symptom.USE_AFTER_FREE,
                "mybrd_exit cleans up the queue and frees the device but never deletes the disk: after rmmod"
                        + " /dev/mybrd is still published and an open's get_disk reads disk->fops from the freed"
                        + " module",
                List.of(Probe.owned("MYBRD-07", unloadVsOpen("mybrd07-exit-without-del-gendisk", Expect.CATCHES_BUG,
                        property, UnloadVsOpen.MybrdMaster.class))),
                List.of(Probe.owned("MYBRD-07", unloadVsOpen("mybrd07-brd-exit-order", Expect.HOLDS, property,
                        UnloadVsOpen.BrdV44.class))));
    }

    /**
     * rmmod against an open-read-close, against v4.4 brd's answers. mybrd's order is caught by the 4th
     * interleaving; the fixed order is explored for 12 (an invocation of this model is the costliest
     * of the three: the queue's freeze and the module and disk references).
     */
    private static Check unloadVsOpen(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(expect == Expect.HOLDS ? 12 : 40)
                        .sequentialSpecification(UnloadVsOpen.BrdV44.class)
                        .addCustomScenario(Scenarios.of(testClass).thread(call("rmmod")).thread(call("open")).build()));
    }

    static Race mybrd08() {
        String property = "no plain access races with a write (KCSAN)";
        return new Race("MYBRD-08", "mybrd master (mybrd_queue_rq)", "queue_rq copies the live mybrd_device",
                "mybrd", Symptom.DATA_RACE,
                "queue_rq copies the whole struct mybrd_device with no lock while another CPU's first write takes"
                        + " mybrd_lock and grows the page tree's root: a data race, and a copy of lock state",
                List.of(Probe.owned("MYBRD-08", twoThreads("mybrd08-copy-live-struct", Expect.CATCHES_BUG, property,
                        QueueRqCopy.CopyStruct.class, "queueRq", "insertPage"))),
                List.of(Probe.owned("MYBRD-08", twoThreads("mybrd08-use-pointer", Expect.HOLDS, property,
                        QueueRqCopy.UsePointer.class, "queueRq", "insertPage"))));
    }

    static Race mybrd13() {
        String property = "P9 no page is used after it was freed";
        return new Race("MYBRD-13", "mybrd ex-pagecache (mybrd_ioctl)", "page-cache lookup without RCU or a reference",
                "mybrd", Symptom.USE_AFTER_FREE,
                "the ioctl looks the bdev's page cache up with a bare radix_tree_lookup and reads p->index with no"
                        + " reference; reclaim deletes and frees the page in between",
                List.of(Probe.owned("MYBRD-13", twoThreads("mybrd13-bare-radix-tree-lookup", Expect.CATCHES_BUG,
                        property, IoctlVsReclaim.ExPagecache.class, "ioctl", "reclaim"))),
                List.of(Probe.owned("MYBRD-13", twoThreads("mybrd13-find-get-page", Expect.HOLDS, property,
                        IoctlVsReclaim.FindGetPage.class, "ioctl", "reclaim"))));
    }

    /**
     * Model checking of one operation per thread. The buggy variants are caught between the 17th and
     * the 32nd interleaving; the fixed ones are explored for 25 (an invocation costs about 150 ms here).
     */
    private static Check twoThreads(String name, Expect expect, String property, Class<?> testClass, String first,
                                    String second) {
        return new LincheckCheck(CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(expect == Expect.HOLDS ? 25 : 100)
                        .addCustomScenario(Scenarios.of(testClass).thread(call(first)).thread(call(second)).build()));
    }
}
