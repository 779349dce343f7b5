package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bio-mode RAM disk, one task at a time: data path, brd's rules, and bad input. */
class MyBrdTest {
    private final Kernel kernel = new Kernel();
    private final MyBrd brd = new MyBrd(kernel);

    private BlkStatus io(MyBrd disk, ReqOp op, long sector, Page page, int len, int off) {
        return kernel.runOn(0, "io", () -> {
            Bio bio = Bio.of(op, sector).addPage(page, len, off);
            disk.submitBio(bio);
            assertThat(bio.endioCalls()).as("bi_end_io calls").isEqualTo(1);
            return bio.status();
        });
    }

    private BlkStatus submit(MyBrd disk, Bio bio) {
        return kernel.runOn(0, "io", () -> {
            disk.submitBio(bio);
            assertThat(bio.endioCalls()).isEqualTo(1);
            return bio.status();
        });
    }

    private static Page filled(int value) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) value);
        return p;
    }

    private byte[] read(MyBrd disk, long sector, int len) {
        Page buf = filled(0x77);
        assertThat(io(disk, ReqOp.READ, sector, buf, len, 0)).isEqualTo(BlkStatus.OK);
        return Arrays.copyOf(buf.kmap(), len);
    }

    @Test
    void describesItselfAsTheTutorialDisk() {
        assertThat(brd.disk().devt()).isEqualTo("253:111");
        assertThat(brd.disk().diskName()).isEqualTo("mybrd");
        assertThat(brd.disk().capacity()).isEqualTo(8192);
        assertThat(brd.disk().minors()).isEqualTo(1);
        assertThat(brd.disk().privateData()).isSameAs(brd);
    }

    @Test
    void unwrittenSectorsReadAsZerosWithoutAllocating() {
        assertThat(read(brd, 100, 4096)).containsOnly(0);
        assertThat(brd.pages().nrPages()).isZero();
    }

    @Test
    void aWriteIsReadBackAndTouchesNothingElse() {
        assertThat(io(brd, ReqOp.WRITE, 5, filled(0x5a), 512, 0)).isEqualTo(BlkStatus.OK);
        assertThat(read(brd, 5, 512)).containsOnly(0x5a);
        assertThat(read(brd, 4, 512)).containsOnly(0);
        assertThat(read(brd, 6, 512)).containsOnly(0);
        assertThat(brd.pages().nrPages()).isEqualTo(1);
        assertThat(kernel.runOn(0, "t", () -> brd.pages().lookupPage(5).index())).isZero();
    }

    @Test
    void aSegmentAcrossTwoPagesLandsInBoth() {
        Page src = Page.buffer();
        for (int i = 0; i < 4096; i++) {
            src.kmap()[i] = (byte) (i / 512 + 1);
        }
        assertThat(io(brd, ReqOp.WRITE, 12, src, 4096, 0)).isEqualTo(BlkStatus.OK);
        assertThat(brd.pages().nrPages()).isEqualTo(2);
        assertThat(read(brd, 12, 4096)).isEqualTo(src.kmap());
        assertThat(read(brd, 16, 512)).containsOnly(5);
        assertThat(kernel.runOn(0, "t", () -> brd.pages().lookupPage(16).index())).isEqualTo(2);
    }

    @Test
    void segmentOffsetsAreHonoured() {
        Page src = filled(0);
        Arrays.fill(src.kmap(), 1024, 1536, (byte) 9);
        assertThat(io(brd, ReqOp.WRITE, 40, src, 512, 1024)).isEqualTo(BlkStatus.OK);
        assertThat(read(brd, 40, 512)).containsOnly(9);
    }

    @Test
    void discardZeroFillsWholePagesInPlace() {
        io(brd, ReqOp.WRITE, 0, filled(3), 4096, 0);
        io(brd, ReqOp.WRITE, 8, filled(4), 4096, 0);
        Page before = kernel.runOn(0, "t", () -> brd.pages().lookupPage(0));
        assertThat(submit(brd, Bio.discard(0, 8))).isEqualTo(BlkStatus.OK);
        assertThat(read(brd, 0, 4096)).containsOnly(0);
        assertThat(read(brd, 8, 4096)).containsOnly(4);
        assertThat(kernel.runOn(0, "t", () -> brd.pages().lookupPage(0))).as("brd never frees on discard").isSameAs(before);
    }

    @Test
    void misalignedDiscardIsAnIoErrorAndChangesNothing() {
        io(brd, ReqOp.WRITE, 0, filled(3), 4096, 0);
        assertThat(submit(brd, Bio.discard(1, 8))).isEqualTo(BlkStatus.IOERR);
        assertThat(submit(brd, Bio.discard(0, 4))).isEqualTo(BlkStatus.IOERR);
        assertThat(read(brd, 0, 4096)).containsOnly(3);
    }

    @Test
    void anEmptyFlushSucceeds() {
        assertThat(submit(brd, Bio.flush())).isEqualTo(BlkStatus.OK);
    }

    @Test
    void beyondCapacityIsAnIoErrorLoggedAsTheKernelDoes() {
        assertThat(io(brd, ReqOp.WRITE, 8191, filled(1), 1024, 0)).isEqualTo(BlkStatus.IOERR);
        assertThat(io(brd, ReqOp.READ, 8192, Page.buffer(), 512, 0)).isEqualTo(BlkStatus.IOERR);
        assertThat(submit(brd, Bio.discard(8184, 16))).isEqualTo(BlkStatus.IOERR);
        assertThat(brd.pages().nrPages()).isZero();
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("attempt to access beyond end of device"));
    }

    @Test
    void zeroLengthAndPartialSectorBiosAreIoErrors() {
        assertThat(submit(brd, Bio.of(ReqOp.WRITE, 0))).isEqualTo(BlkStatus.IOERR);
        assertThat(io(brd, ReqOp.WRITE, 0, filled(1), 100, 0)).isEqualTo(BlkStatus.IOERR);
        Bio twoHalves = Bio.of(ReqOp.WRITE, 0).addPage(filled(1), 256, 0).addPage(filled(1), 256, 0);
        assertThat(submit(brd, twoHalves)).isEqualTo(BlkStatus.IOERR);
        assertThat(brd.pages().nrPages()).isZero();
    }

    @Test
    void mybrdsFourKiBLogicalBlocksRefuseSubPageIo() {
        MyBrd mybrd = new MyBrd(kernel, MyBrd.Config.defaults().withLogicalBlockSize(4096));
        assertThat(io(mybrd, ReqOp.WRITE, 1, filled(1), 4096, 0)).isEqualTo(BlkStatus.IOERR);
        assertThat(io(mybrd, ReqOp.WRITE, 8, filled(1), 512, 0)).isEqualTo(BlkStatus.IOERR);
        assertThat(io(mybrd, ReqOp.WRITE, 8, filled(1), 4096, 0)).isEqualTo(BlkStatus.OK);
    }

    @Test
    void segmentsThatLeaveTheirPageOrHaveNoPageAreRefusedAtConstruction() {
        Bio bio = Bio.of(ReqOp.WRITE, 0);
        assertThatThrownBy(() -> bio.addPage(Page.buffer(), 1024, 3584)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overruns");
        assertThatThrownBy(() -> bio.addPage(null, 512, 0)).hasMessageContaining("NULL");
        assertThatThrownBy(() -> bio.addPage(Page.buffer(), 0, 0)).hasMessageContaining("bv_len");
        assertThatThrownBy(() -> Bio.of(ReqOp.DISCARD, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Bio.of(ReqOp.READ, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(bio.vecs()).isEmpty();
    }

    @Test
    void runningOutOfPagesIsEnospcAndLeavesOtherSectorsAlone() {
        MyBrd tight = new MyBrd(kernel, MyBrd.Config.defaults().withPageLimit(1));
        assertThat(io(tight, ReqOp.WRITE, 0, filled(1), 512, 0)).isEqualTo(BlkStatus.OK);
        assertThat(io(tight, ReqOp.WRITE, 8, filled(2), 512, 0)).isEqualTo(BlkStatus.NOSPC);
        assertThat(BlkStatus.NOSPC.errno()).isEqualTo(-28);
        assertThat(read(tight, 0, 512)).containsOnly(1);
        assertThat(read(tight, 8, 512)).containsOnly(0);
    }

    @Test
    void completionIsExactlyOnceAndASecondEndioIsABug() {
        AtomicInteger calls = new AtomicInteger();
        Bio bio = Bio.of(ReqOp.READ, 0).addPage(Page.buffer(), 512, 0).onEnd(b -> calls.incrementAndGet());
        assertThat(submit(brd, bio)).isEqualTo(BlkStatus.OK);
        assertThat(calls).hasValue(1);
        assertThatThrownBy(() -> bio.endio(BlkStatus.OK)).isInstanceOf(KernelBug.class).hasMessageContaining("2 times");
        assertThatThrownBy(() -> kernel.runOn(0, "again", () -> brd.submitBio(bio)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already ended");
    }

    @Test
    void badConfigurationIsRefused() {
        MyBrd.Config d = MyBrd.Config.defaults();
        assertThatThrownBy(() -> d.withCapacity(1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withLogicalBlockSize(1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withPageLimit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MyBrd(kernel, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seededMybrdTwoPageSetupHitsBugOnWhenOnlyTheFirstPageExists() {
        MyBrd buggy = new MyBrd(kernel, MyBrd.Config.defaults().withBug(Bug.MYBRD_TWO_PAGE_SETUP));
        io(buggy, ReqOp.WRITE, 0, filled(1), 512, 0);
        assertThatThrownBy(() -> io(buggy, ReqOp.WRITE, 4, filled(2), 4096, 0))
                .isInstanceOf(KernelBug.class).hasMessageContaining("copy_to_brd: no page for sector 8");
    }

    @Test
    void theDefaultModelHasNoSeededBug() {
        assertThat(MyBrd.Config.defaults().bugs()).isEmpty();
    }
}
