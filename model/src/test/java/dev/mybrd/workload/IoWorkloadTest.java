package dev.mybrd.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.BlkStatus;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.workload.BrokenTarget.Fault;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verifying workload: clean runs pass, every kind of failure is counted in its category, bad specs are refused. */
class IoWorkloadTest {
    private static final IoSpec SMALL = IoSpec.defaults().withOps(4_000).withJobs(2);

    private static IoTarget brd(MyBrd.Config config) {
        return IoTarget.of(new MyBrd(new Kernel(), config));
    }

    private static IoTarget brd() {
        return brd(MyBrd.Config.defaults());
    }

    @Test
    void aCleanRunCountsEveryBioOnceAndVerifiesItsReads() {
        List<IoProgress> progress = new ArrayList<>();
        IoResult r = IoWorkload.run(SMALL, brd(), 0, progress::add);

        assertThat(r.clean()).as("%s", r.problems()).isTrue();
        assertThat(r.submitted()).isEqualTo(4_000);
        assertThat(r.completed()).isEqualTo(4_000);
        assertThat(r.ok()).isEqualTo(4_000);
        assertThat(r.reads() + r.writes() + r.discards()).isEqualTo(4_000);
        assertThat(r.reads()).isBetween(1_800L, 2_200L);
        assertThat(r.discards()).isBetween(100L, 300L);
        assertThat(r.verifiedSectors()).isEqualTo(r.reads() * 8);
        assertThat(r.lost() + r.doubled() + r.wrongData() + r.oopses() + r.notIssued()).isZero();
        assertThat(r.requeued()).isEmpty();
        assertThat(r.timedOut()).isEmpty();
        assertThat(r.target()).isEqualTo("mybrd queue_mode=bio irqmode=none");
        assertThat(progress).last().satisfies(p -> {
            assertThat(p.finished()).isTrue();
            assertThat(p.done()).isEqualTo(4_000);
        });
    }

    @Test
    void theSeedFixesTheOperationSequence() {
        IoResult a = IoWorkload.run(SMALL.withSeed(7), brd());
        IoResult b = IoWorkload.run(SMALL.withSeed(7), brd());
        IoResult c = IoWorkload.run(SMALL.withSeed(8), brd());

        assertThat(List.of(a.reads(), a.writes(), a.discards())).isEqualTo(List.of(b.reads(), b.writes(), b.discards()));
        assertThat(List.of(a.reads(), a.writes(), a.discards())).isNotEqualTo(List.of(c.reads(), c.writes(), c.discards()));
    }

    @Test
    void sharedRangesSmallBlocksAndDeepQueuesStayExact() {
        IoSpec spec = SMALL.withJobs(4).withLayout(IoSpec.Layout.SHARED).withBlockSize(1024).withRegionSectors(512)
                .withIodepth(16);
        IoResult r = IoWorkload.run(spec, brd());

        assertThat(r.clean()).as("%s", r.problems()).isTrue();
        assertThat(r.completed()).isEqualTo(4_000);
        assertThat(r.verifiedSectors()).isEqualTo(r.reads() * 2);
    }

    @Test
    void asynchronousCompletionPipelinesAndStaysExact() throws Exception {
        try (BrokenTarget async = new BrokenTarget(brd(), Fault.NONE, 1, true)) {
            IoResult r = IoWorkload.run(SMALL.withIodepth(8), async);

            assertThat(r.clean()).as("%s", r.problems()).isTrue();
            assertThat(r.completed()).isEqualTo(4_000);
        }
    }

    @Test
    void aFailedWriteIsCountedByStatusAndItsSectorsAreCheckedLeniently() {
        // 16 pages for a 64-page region: writes to new pages fail with -ENOSPC once the pages run out.
        IoTarget tight = brd(MyBrd.Config.defaults().withPageLimit(16));
        IoResult r = IoWorkload.run(SMALL.withJobs(1).withRegionSectors(512), tight);

        assertThat(r.failed()).containsOnlyKeys(BlkStatus.NOSPC);
        assertThat(r.failedTotal()).isPositive();
        assertThat(r.completed()).isEqualTo(4_000);
        assertThat(r.clean()).as("%s", r.problems()).isTrue();
    }

    @Test
    void aDroppedBioIsLostAtOnceWhereCompletionIsInline() {
        IoResult r = IoWorkload.run(SMALL, new BrokenTarget(brd(), Fault.DROP, 500, false));

        assertThat(r.clean()).isFalse();
        assertThat(r.lost()).isEqualTo(8);
        assertThat(r.completed()).isEqualTo(4_000 - 8);
        assertThat(r.doubled() + r.wrongData() + r.oopses()).isZero();
        assertThat(r.problems()).first().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(IoResult.Kind.LOST);
            assertThat(p.text()).contains("not ended when submit_bio returned").containsPattern("job \\d op \\d+: ");
        });
    }

    @Test
    void aDroppedBioIsLostAfterTheBioTimeoutWhereCompletionIsAsynchronous() throws Exception {
        try (BrokenTarget async = new BrokenTarget(brd(), Fault.DROP, 300, true)) {
            IoResult r = IoWorkload.run(SMALL.withOps(600).withBioTimeoutMillis(200), async);

            assertThat(r.lost()).isEqualTo(2);
            assertThat(r.completed()).isEqualTo(598);
            assertThat(r.problems()).allSatisfy(p -> assertThat(p.text()).contains("not completed within 200 ms"));
            assertThat(r.clean()).isFalse();
        }
    }

    @Test
    void aBioCompletedTwiceIsDoubledAndTheRunGoesOn() {
        IoResult r = IoWorkload.run(SMALL, new BrokenTarget(brd(), Fault.DOUBLE, 1_000, false));

        assertThat(r.doubled()).isEqualTo(4);
        assertThat(r.completed()).isEqualTo(4_000);
        assertThat(r.lost() + r.wrongData() + r.oopses()).isZero();
        assertThat(r.problems()).extracting(IoResult.Problem::kind).containsOnly(IoResult.Kind.DOUBLED);
        assertThat(r.problems().get(0).text()).contains("bio_endio called 2 times");
        assertThat(r.clean()).isFalse();
    }

    @Test
    void aLateSecondCompletionIsFoundAtTheEndOfTheRun() throws Exception {
        try (BrokenTarget async = new BrokenTarget(brd(), Fault.DOUBLE, 250, true)) {
            // Bios 250, 500, 750 and 1000 end twice; the second call comes after the job has taken the
            // first off its queue. (A second call after the run has ended cannot be seen: hence 1,100 ops.)
            IoResult r = IoWorkload.run(SMALL.withOps(1_100), async);

            assertThat(r.doubled()).isEqualTo(4);
            assertThat(r.clean()).isFalse();
        }
    }

    @Test
    void aCorruptedReadIsWrongData() {
        IoResult r = IoWorkload.run(SMALL, new BrokenTarget(brd(), Fault.CORRUPT_READ, 100, false));

        assertThat(r.wrongData()).isEqualTo(r.reads() / 100);
        assertThat(r.wrongSectors()).isEqualTo(r.wrongData());
        assertThat(r.lost() + r.doubled() + r.oopses()).isZero();
        assertThat(r.problems().get(0).text()).contains("a torn or corrupted sector").contains("1 of 8 sectors wrong");
        assertThat(r.clean()).isFalse();
    }

    @Test
    void aWriteAcknowledgedButNotStoredIsFoundByALaterRead() {
        IoResult r = IoWorkload.run(SMALL.withRegionSectors(256), new BrokenTarget(brd(), Fault.ACK_WRITE_WITHOUT_DATA,
                50, false));

        assertThat(r.wrongData()).isPositive();
        assertThat(r.problems()).extracting(IoResult.Problem::kind).containsOnly(IoResult.Kind.WRONG_DATA);
        assertThat(r.problems().get(0).text()).containsPattern("expected (the data of job \\d op \\d+|zeros)");
        assertThat(r.clean()).isFalse();
    }

    @Test
    void mybrdsTwoPageSetupDefectOopsesAndLosesTheBio() {
        // Spec 2.8 item 10: a 4 KiB write at a 512-byte offset whose first page exists but second does not
        // hits BUG_ON in copy_to_brd; the bio never ends.
        IoTarget buggy = brd(MyBrd.Config.defaults().withBug(Bug.MYBRD_TWO_PAGE_SETUP));
        IoResult r = IoWorkload.run(SMALL.withJobs(1).withOps(2_000), buggy);

        assertThat(r.oopses()).isPositive();
        assertThat(r.lost()).isEqualTo(r.oopses());
        assertThat(r.problems()).extracting(IoResult.Problem::kind).contains(IoResult.Kind.OOPS, IoResult.Kind.LOST);
        assertThat(r.problems().get(0).text()).contains("copy_to_brd: no page for sector");
        assertThat(r.clean()).isFalse();
    }

    @Test
    void publicationBeforeInitialisationIsWrongDataInASharedRange() {
        // ZERO_AFTER_PUBLISH publishes a page before clearing it (after a cond_resched): a reader on another
        // CPU copies the allocator's poison, or the late clear wipes a neighbouring sector just written.
        // A race, so fresh disks until one run shows it; measured: caught in 20 of 20 single runs.
        IoSpec spec = IoSpec.defaults().withOps(2_000).withLayout(IoSpec.Layout.SHARED).withBlockSize(512)
                .withRegionSectors(512).withMix(30, 70, 0);
        IoResult r = null;
        for (int attempt = 0; attempt < 20 && (r == null || r.clean()); attempt++) {
            r = IoWorkload.run(spec, brd(MyBrd.Config.defaults().withBug(Bug.ZERO_AFTER_PUBLISH)));
        }

        assertThat(r.wrongData()).isPositive();
        assertThat(r.lost() + r.doubled() + r.oopses()).isZero();
        assertThat(r.problems()).extracting(IoResult.Problem::kind).containsOnly(IoResult.Kind.WRONG_DATA);
        assertThat(r.problems()).extracting(IoResult.Problem::text)
                .anyMatch(t -> t.contains("allocator poison (0xaa)") || t.contains("held zeros, expected the data of"));
    }

    @Test
    void theSameSharedRunIsCleanWithoutTheBug() {
        IoSpec spec = IoSpec.defaults().withOps(2_000).withLayout(IoSpec.Layout.SHARED).withBlockSize(512)
                .withRegionSectors(512).withMix(30, 70, 0);
        for (int i = 0; i < 3; i++) {
            IoResult r = IoWorkload.run(spec, brd());
            assertThat(r.clean()).as("%s", r.problems()).isTrue();
        }
    }

    @Test
    void theRunBoundStopsAStuckRunAndSaysSo() throws Exception {
        try (BrokenTarget async = new BrokenTarget(brd(), Fault.DROP, 1, true)) {
            IoResult r = IoWorkload.run(SMALL.withOps(100).withBioTimeoutMillis(60_000).withRunTimeoutMillis(300),
                    async);

            assertThat(r.stopped()).isTrue();
            assertThat(r.lost()).isEqualTo(16);
            assertThat(r.notIssued()).isEqualTo(100 - 16);
            assertThat(r.problems()).extracting(IoResult.Problem::kind).contains(IoResult.Kind.STOPPED);
            assertThat(r.clean()).isFalse();
        }
    }

    @Test
    void progressIsReportedWhileTheRunGoesOn() throws Exception {
        List<IoProgress> progress = new ArrayList<>();
        try (BrokenTarget async = new BrokenTarget(brd(), Fault.DROP, 50, true)) {
            IoWorkload.run(SMALL.withOps(100).withBioTimeoutMillis(300), async, 50, progress::add);
        }
        assertThat(progress.size()).isGreaterThan(2);
        assertThat(progress.subList(0, progress.size() - 1)).noneMatch(IoProgress::finished);
        assertThat(progress).last().satisfies(p -> assertThat(p.toString()).startsWith("100/100 ops (100%)"));
    }

    @Test
    void badSpecsAreRefusedWithEinval() {
        IoSpec d = IoSpec.defaults();
        assertThatThrownBy(() -> d.withJobs(0)).hasMessageContaining("jobs must be in 1..64, got 0 (-EINVAL)");
        assertThatThrownBy(() -> d.withJobs(65)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withOps(0)).hasMessageContaining("ops must be >= 1");
        assertThatThrownBy(() -> d.withIodepth(0)).hasMessageContaining("iodepth");
        assertThatThrownBy(() -> d.withBlockSize(1000)).hasMessageContaining("multiple of 512");
        assertThatThrownBy(() -> d.withBlockSize(1 << 20)).hasMessageContaining("524288");
        assertThatThrownBy(() -> d.withMix(50, 50, 5)).hasMessageContaining("sum to 100");
        assertThatThrownBy(() -> d.withMix(-5, 100, 5)).hasMessageContaining("read percentage");
        assertThatThrownBy(() -> d.withRegionSectors(100)).hasMessageContaining("multiple of 8 sectors");
        assertThatThrownBy(() -> d.withBioTimeoutMillis(0)).hasMessageContaining("bio timeout");
        assertThatThrownBy(() -> d.withLayout(null)).hasMessageContaining("layout");
        assertThatThrownBy(() -> IoSpec.Layout.parse("both")).hasMessageContaining("private or shared");
        assertThatThrownBy(() -> IoSpec.parseMix("r=50,x=50")).hasMessageContaining("unknown key 'x'");
        assertThatThrownBy(() -> IoSpec.parseMix("r=50,r=50")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> IoSpec.parseMix("r=half")).hasMessageContaining("needs a percentage");
        assertThat(IoSpec.parseMix("read=70,w=30")).containsExactly(70, 30, 0);
    }

    @Test
    void specsThatDoNotFitTheDeviceAreRefusedBeforeAnythingRuns() {
        MyBrd fourK = new MyBrd(new Kernel(), MyBrd.Config.defaults().withLogicalBlockSize(4096));
        assertThatThrownBy(() -> IoWorkload.run(SMALL.withBlockSize(512), IoTarget.of(fourK)))
                .hasMessageContaining("not a multiple of the device's 4096-byte logical block size");
        assertThatThrownBy(() -> IoWorkload.run(SMALL.withRegionSectors(16_384), brd()))
                .hasMessageContaining("larger than the disk's 8192");
        assertThatThrownBy(() -> IoWorkload.run(SMALL.withJobs(8).withRegionSectors(32), brd()))
                .hasMessageContaining("cannot hold one operation of 8 sectors");
        assertThat(fourK.pages().nrPages()).isZero();
        assertThatThrownBy(() -> IoWorkload.run(SMALL, brd(), -1, p -> { })).hasMessageContaining("progress");
    }

    @Test
    void twoMqDisksOnOneTagSetRunCleanAndEveryDiskNeedsAJob() {
        Kernel kernel = new Kernel();
        MyBrd.Config mq = MyBrd.Config.defaults().withQueueMode(dev.mybrd.driver.QueueMode.MQ).withHwQueueDepth(8);
        List<IoTarget> disks = MyBrd.sharedTagSet(kernel, mq, 2).stream().map(IoTarget::of).toList();
        IoResult r = IoWorkload.run(SMALL.withJobs(4), disks, 0, p -> { });
        assertThat(r.problems()).isEmpty();
        assertThat(r.completed()).isEqualTo(SMALL.ops());
        assertThat(r.clean()).isTrue();
        assertThat(r.target()).startsWith("2 x mybrd queue_mode=mq");

        assertThatThrownBy(() -> IoWorkload.check(SMALL.withJobs(1), disks))
                .hasMessageContaining("2 disks need at least as many jobs, got 1 (-EINVAL)");
        List<IoTarget> apart = List.of(disks.get(0), IoTarget.of(new MyBrd(new Kernel(), mq)));
        assertThatThrownBy(() -> IoWorkload.check(SMALL, apart)).hasMessageContaining("on one machine");
    }
}
