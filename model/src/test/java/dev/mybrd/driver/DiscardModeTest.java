package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The three discard designs (KR-21), one task at a time: what a discard leaves behind. */
class DiscardModeTest {
    private final Kernel kernel = new Kernel(2);

    private MyBrd disk(DiscardMode mode) {
        return new MyBrd(kernel, MyBrd.Config.defaults().withCapacity(2L * Page.PAGE_SIZE), mode);
    }

    private BlkStatus submit(MyBrd disk, Bio bio) {
        return kernel.runOn(0, "io", () -> {
            disk.submitBio(bio);
            return bio.status();
        });
    }

    private BlkStatus write(MyBrd disk, long sector, int value) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) value);
        return submit(disk, Bio.of(ReqOp.WRITE, sector).addPage(p, Page.PAGE_SIZE, 0));
    }

    private byte[] read(MyBrd disk, long sector) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) 0x77);
        assertThat(submit(disk, Bio.of(ReqOp.READ, sector).addPage(p, Page.PAGE_SIZE, 0))).isEqualTo(BlkStatus.OK);
        return p.kmap();
    }

    private Page lookup(MyBrd disk, long sector) {
        return kernel.runOn(0, "lookup", () -> disk.pages().lookupPage(sector));
    }

    @Test
    void theDefaultDiskZeroFillsAsV44() {
        MyBrd brd = new MyBrd(kernel);
        assertThat(brd.pages().discardMode()).isEqualTo(DiscardMode.V4_4_ZERO_FILL);
        assertThat(write(brd, 0, 5)).isEqualTo(BlkStatus.OK);
        Page before = lookup(brd, 0);
        assertThat(submit(brd, Bio.discard(0, 8))).isEqualTo(BlkStatus.OK);
        assertThat(lookup(brd, 0)).isSameAs(before);
        assertThat(before.freed()).isFalse();
        assertThat(read(brd, 0)).containsOnly(0);
        assertThat(brd.pages().nrPages()).isEqualTo(1);
    }

    @Test
    void freeAtOnceErasesAndFreesThePage() {
        MyBrd brd = disk(DiscardMode.FREE_AT_ONCE);
        assertThat(write(brd, 0, 5)).isEqualTo(BlkStatus.OK);
        assertThat(write(brd, 8, 6)).isEqualTo(BlkStatus.OK);
        Page before = lookup(brd, 0);
        assertThat(submit(brd, Bio.discard(0, 8))).isEqualTo(BlkStatus.OK);
        assertThat(lookup(brd, 0)).isNull();
        assertThat(before.freed()).isTrue();
        assertThat(before.kmap()).containsOnly(PageAllocator.PAGE_POISON);
        assertThat(brd.pages().nrPages()).isEqualTo(1);
        assertThat(read(brd, 0)).containsOnly(0);
        assertThat(read(brd, 8)).as("the page outside the range stays").containsOnly(6);
        assertThat(write(brd, 0, 7)).isEqualTo(BlkStatus.OK);
        assertThat(read(brd, 0)).as("a new page after the discard").containsOnly(7);
    }

    @Test
    void aCopyFromAPageFreedAfterItsLookupIsKasansUseAfterFree() {
        MyBrd brd = disk(DiscardMode.FREE_AT_ONCE);
        write(brd, 0, 5);
        Page looked = lookup(brd, 0);
        submit(brd, Bio.discard(0, 8));
        assertThatThrownBy(() -> looked.kasanCheck("copy_from_brd")).isInstanceOf(KernelBug.class)
                .hasMessageStartingWith("BUG: KASAN: use-after-free in copy_from_brd");
    }

    @Test
    void freeAfterGracePeriodFreesOnlyAfterTheGracePeriod() {
        MyBrd brd = disk(DiscardMode.FREE_AFTER_GRACE_PERIOD);
        write(brd, 0, 5);
        Page before = lookup(brd, 0);
        assertThat(submit(brd, Bio.discard(0, 8))).isEqualTo(BlkStatus.OK);
        assertThat(lookup(brd, 0)).isNull();
        assertThat(read(brd, 0)).containsOnly(0);
        kernel.runOn(1, "barrier", () -> brd.pages().rcuBarrier());
        assertThat(before.freed()).isTrue();
        assertThat(brd.pages().nrPages()).isZero();
        assertThat(write(brd, 0, 9)).isEqualTo(BlkStatus.OK);
        assertThat(read(brd, 0)).containsOnly(9);
    }

    @Test
    void discardingAnEmptyRangeFreesNothing() {
        for (DiscardMode mode : DiscardMode.values()) {
            MyBrd brd = new MyBrd(new Kernel(2), MyBrd.Config.defaults().withCapacity(2L * Page.PAGE_SIZE), mode);
            BlkStatus st = brd.kernel().runOn(0, "io", () -> {
                Bio bio = Bio.discard(0, 16);
                brd.submitBio(bio);
                return bio.status();
            });
            assertThat(st).as(mode.name()).isEqualTo(BlkStatus.OK);
            assertThat(brd.pages().nrPages()).as(mode.name()).isZero();
        }
    }

    @Test
    void aNullModeIsRefused() {
        assertThatThrownBy(() -> new MyBrd(kernel, MyBrd.Config.defaults(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void freeingAPageTwiceIsKasansDoubleFree() {
        PageAllocator alloc = new PageAllocator(kernel, 1);
        Page p = kernel.runOn(0, "alloc", () -> alloc.allocPage(0));
        alloc.freePage(p);
        assertThatThrownBy(() -> alloc.freePage(p)).isInstanceOf(KernelBug.class)
                .hasMessageStartingWith("BUG: KASAN: double-free");
    }
}
