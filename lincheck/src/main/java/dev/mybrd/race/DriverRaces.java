package dev.mybrd.race;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkCore;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.Gendisk;
import dev.mybrd.block.ReqOp;
import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.NullBlkRq;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.lincheck.publish.InitVsPartitionScan;
import dev.mybrd.mm.Page;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * The mybrd defects of spec section 2.8 that concern completion or contexts in request-mode, and
 * null_blk's lost queue restart (spec section 4): the driver's code before and after the fix. Where
 * a chapter already checks the defect, the race reuses that check.
 */
final class DriverRaces {
    private static final long DRAIN_NANOS = 20_000_000_000L;

    private DriverRaces() {
    }

    static List<Race> all() {
        return List.of(mybrd01(), mybrd02(), mybrd03(), mybrd04(), mybrd05(), mybrd11(), g02());
    }



    static Race mybrd01() {
        String property = "P26 no I/O sees a partly initialised device";
        return new Race("MYBRD-01", "mybrd ch02-disk", "global_mybrd published after add_disk",
                "mybrd", Symptom.WRONG_STATUS,
                "add_disk starts the partition scan at once; its read reaches mybrd_make_request_fn before"
                        + " global_mybrd is set and fails: Buffer I/O error on dev mybrd, logical block 0",
                List.of(Probe.owned("MYBRD-01", publishCheck("mybrd01-global-after-add-disk", Expect.CATCHES_BUG,
                        property, InitVsPartitionScan.Ch02.class))),
                List.of(Probe.owned("MYBRD-01", publishCheck("mybrd01-global-before-add-disk", Expect.HOLDS, property,
                        InitVsPartitionScan.Fixed.class))));
    }

    private static Check publishCheck(String name, Expect expect, String property, Class<?> testClass) {
        return new LincheckCheck(Races.CHAPTER, name, property, expect, testClass,
                () -> new ModelCheckingOptions().iterations(0).invocationsPerIteration(200)
                        .addCustomScenario(Scenarios.of(testClass).thread(Scenarios.call("init"))
                                .thread(Scenarios.call("scan")).build()));
    }

    static Race mybrd02() {
        return new Race("MYBRD-02", "mybrd 86b61d1 (fixed in c359d3e)", "request-mode softirq: every request ended twice",
                "mybrd", Symptom.DOUBLE_COMPLETION,
                "request_fn calls blk_complete_request and then still blk_end_request_all, and the softirq done"
                        + " function ends the request again: the first end frees it, the second ends freed memory",
                List.of(Probe.chapter(Catalog.SOFTIRQ, "seeded-double-completion")),
                List.of(Probe.chapter(Catalog.SOFTIRQ, "per-sector-softirq-mc")));
    }

    static Race mybrd03() {
        return new Race("MYBRD-03", "mybrd master 3ba077f", "softirq done function ends without moving data",
                "mybrd", Symptom.CORRUPTION,
                "in softirq mode the done function only ends the request with success: writes are dropped and"
                        + " reads return whatever the caller's pages held",
                List.of(Probe.chapter(Catalog.SOFTIRQ, "seeded-done-without-transfer")),
                List.of(Probe.chapter(Catalog.SOFTIRQ, "per-sector-softirq-mc")));
    }

    static Race mybrd04() {
        return new Race("MYBRD-04", "mybrd master (mq-mode)", "queue_rq ends every request with success",
                "mybrd", Symptom.WRONG_STATUS,
                "mybrd_queue_rq ignores _mybrd_request_fn's result and always calls blk_mq_end_request(req, 0):"
                        + " a write that got -ENOSPC is reported as done",
                List.of(Probe.chapter(Catalog.MQ, "seeded-queue-rq-swallows-error")),
                List.of(Probe.chapter(Catalog.MQ, "error-reported")));
    }

    static Race mybrd05() {
        String property = "P25 no sleeping allocation in atomic context";
        return new Race("MYBRD-05", "mybrd ch04-request-mode-softirq", "page allocation in BLOCK_SOFTIRQ",
                "mybrd", Symptom.CRASH,
                "the softirq done function does the data transfer, so the first write of a page allocates it"
                        + " (GFP_NOIO, may sleep) in softirq context: BUG: sleeping function called from invalid"
                        + " context",
                List.of(Probe.owned("MYBRD-05", new ScenarioCheck(Races.CHAPTER, "mybrd05-transfer-in-softirq", property,
                        Expect.CATCHES_BUG, () -> firstWriteInSoftirqMode(Bug.SOFTIRQ_DONE_TRANSFER)))),
                List.of(Probe.owned("MYBRD-05", new ScenarioCheck(Races.CHAPTER, "mybrd05-transfer-in-request-fn", property,
                        Expect.HOLDS, () -> firstWriteInSoftirqMode(null)))));
    }

    /** One first write to a page in softirq mode; null if it completed with its data written. */
    private static String firstWriteInSoftirqMode(Bug bug) {
        Kernel kernel = new Kernel(2);
        MyBrd.Config config = MyBrd.Config.defaults().withQueueMode(QueueMode.RQ).withIrqMode(IrqMode.SOFTIRQ);
        MyBrd brd = new MyBrd(kernel, bug == null ? config : config.withBug(bug));
        Bio w = Bio.of(ReqOp.WRITE, 8).addPage(filled(0x44), Page.PAGE_SIZE, 0);
        kernel.runOn(0, "dd", () -> brd.submitBio(w));
        if (!brd.drain(DRAIN_NANOS)) {
            return "not quiescent: " + brd.drainReport();
        }
        if (w.status() != BlkStatus.OK || brd.pages().nrPages() != 1) {
            return "write ended with " + w.status() + ", " + brd.pages().nrPages() + " pages";
        }
        return null;
    }

    static Race mybrd11() {
        String property = "P27 a requeued request is run again, not killed";
        return new Race("MYBRD-11", "mybrd ch04-request-mode", "prep_rq_fn is not idempotent",
                "mybrd", Symptom.WRONG_STATUS,
                "mybrd_prep_rq_fn sets req->special and never REQ_DONTPREP, and kills a request whose special is"
                        + " already set: a requeued request is prepared again and failed with -EIO",
                List.of(Probe.owned("MYBRD-11", new ScenarioCheck(Races.CHAPTER, "mybrd11-prep-kills-requeued", property,
                        Expect.CATCHES_BUG, () -> requeuedWrite(Bug.PREP_NOT_IDEMPOTENT)))),
                List.of(Probe.owned("MYBRD-11", new ScenarioCheck(Races.CHAPTER, "mybrd11-prep-idempotent", property,
                        Expect.HOLDS, () -> requeuedWrite(null)))));
    }

    /** A write that the driver requeues once; null if it ends with success. */
    private static String requeuedWrite(Bug bug) {
        Kernel kernel = new Kernel(2);
        MyBrd.Config config = MyBrd.Config.defaults().withQueueMode(QueueMode.RQ)
                .withInjection(new Injection(0, 0, 1, 0));
        MyBrd brd = new MyBrd(kernel, bug == null ? config : config.withBug(bug));
        Bio w = Bio.of(ReqOp.WRITE, 0).addPage(filled(7), Page.PAGE_SIZE, 0);
        kernel.runOn(1, "dd", () -> brd.submitBio(w));
        if (!brd.drain(DRAIN_NANOS)) {
            return "not quiescent: " + brd.drainReport();
        }
        return w.status() == BlkStatus.OK ? null : "requeued write ended with " + w.status() + "; dmesg: "
                + kernel.dmesg().stream().filter(l -> l.contains("prep")).toList();
    }

    static Race g02() {
        String property = "P2 every submitted bio completes";
        return new Race("G-02", "null_blk v4.4 (spec section 4)", "null_blk request-mode: the lost queue restart",
                "null_blk", Symptom.HANG,
                "prep_rq_fn finds no free command, stops the queue and defers; a completion tested"
                        + " blk_queue_stopped() without the queue lock before that stop and frees its command after:"
                        + " nobody restarts the queue",
                List.of(Probe.owned("G-02", new ScenarioCheck(Races.CHAPTER, "g02-v44-unlocked-stopped-test", property,
                        Expect.CATCHES_BUG, () -> lostRestart(NullBlkRq.Variant.V4_4)))),
                List.of(Probe.owned("G-02", new ScenarioCheck(Races.CHAPTER, "g02-free-then-locked-test", property,
                        Expect.HOLDS, () -> lostRestart(NullBlkRq.Variant.FREE_THEN_CHECK_LOCKED)))));
    }

    /**
     * Read A completes on CPU 1; at the completion's documented preemption point (after its unlocked
     * "stopped?" test, before the command is freed) read B is submitted on CPU 2 and deferred on a
     * stopped queue. The interleaving is forced, not searched. Null if B completes.
     */
    private static String lostRestart(NullBlkRq.Variant variant) throws InterruptedException {
        Kernel kernel = new Kernel(4);
        NullBlkRq nullb = new NullBlkRq(kernel, 1, variant);
        Gendisk disk = new Gendisk(252, 0, 1, "nullb0", 1 << 20, nullb.queue(), nullb);
        Bio b = Bio.of(ReqOp.READ, 64).addPage(Page.buffer(), Page.PAGE_SIZE, 0);
        AtomicBoolean once = new AtomicBoolean();
        Thread[] other = new Thread[1];
        nullb.setPreemptionPoint(() -> {
            if (once.compareAndSet(false, true)) {
                other[0] = new Thread(() -> kernel.runOn(2, "submitter B",
                        () -> BlkCore.genericMakeRequest(kernel, disk, b)));
                other[0].start();
                join(other[0]);
            }
        });
        Bio a = Bio.of(ReqOp.READ, 0).addPage(Page.buffer(), Page.PAGE_SIZE, 0);
        kernel.runOn(1, "submitter A", () -> BlkCore.genericMakeRequest(kernel, disk, a));
        for (int round = 0; round < 3; round++) {
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "idle", () -> { });
            }
        }
        if (b.ended()) {
            return null;
        }
        return "bio B never completed: the queue is " + (nullb.queue().stopped() ? "stopped" : "running")
                + " with " + nullb.tagsInUse() + " commands in use, and nothing will restart it";
    }

    private static void join(Thread t) {
        try {
            t.join(DRAIN_NANOS / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new IllegalStateException(t.getName() + " did not finish within the bound");
        }
    }

    private static Page filled(int value) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) value);
        return p;
    }
}
