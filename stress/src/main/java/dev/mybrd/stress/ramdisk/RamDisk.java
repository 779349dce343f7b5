package dev.mybrd.stress.ramdisk;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.Arrays;

/**
 * Plumbing shared by the ramdisk checks: a two-page disk and small bios. Not a test itself.
 * The bio helpers must be called inside {@code Kernel.runOn}.
 */
final class RamDisk {
    /** Two pages: enough for one contested page, small enough to build per jcstress sample. */
    static final long CAPACITY = 2 * Page.PAGE_SIZE;

    /** How a sector a reader copied while a writer stored a pattern in it looks; see {@link #classify}. */
    static final String ZEROS = "ZEROS";
    static final String DATA = "DATA";
    static final String TORN = "TORN";
    static final String GARBAGE = "GARBAGE";

    private RamDisk() {
    }

    /** A fresh 2-CPU machine's disk, with {@code bug} switched on unless it is null. */
    static MyBrd disk(Kernel kernel, Bug bug) {
        MyBrd.Config config = MyBrd.Config.defaults().withCapacity(CAPACITY);
        return new MyBrd(kernel, bug == null ? config : config.withBug(bug));
    }

    /** A buffer page whose first sector holds {@code value} in every byte. */
    static Page sectorFilledWith(int value) {
        Page page = Page.buffer();
        Arrays.fill(page.kmap(), 0, Bio.SECTOR_SIZE, (byte) value);
        return page;
    }

    /** Writes the first sector of {@code page} to {@code sector}; a failed bio is a test error, not an outcome. */
    static void writeSector(MyBrd disk, long sector, Page page) {
        submit(disk, Bio.of(ReqOp.WRITE, sector).addPage(page, Bio.SECTOR_SIZE, 0));
    }

    /** Reads {@code sector} into the first sector of {@code page}. */
    static void readSector(MyBrd disk, long sector, Page page) {
        readSectors(disk, sector, 1, page);
    }

    /** Reads {@code count} sectors from {@code sector} on into the start of {@code page}, with one bio. */
    static void readSectors(MyBrd disk, long sector, int count, Page page) {
        submit(disk, Bio.of(ReqOp.READ, sector).addPage(page, count * Bio.SECTOR_SIZE, 0));
    }

    private static void submit(MyBrd disk, Bio bio) {
        disk.submitBio(bio);
        if (bio.status() != BlkStatus.OK) {
            throw new IllegalStateException(bio + " ended with " + bio.status());
        }
    }

    /** The value (0..255) every byte of sector {@code n} of the page holds, or -1 if they differ. */
    static int uniformValue(Page page, int n) {
        byte[] b = page.kmap();
        int from = n * Bio.SECTOR_SIZE;
        for (int i = from + 1; i < from + Bio.SECTOR_SIZE; i++) {
            if (b[i] != b[from]) {
                return -1;
            }
        }
        return b[from] & 0xff;
    }

    /** {@link #ZEROS}, {@link #DATA}, {@link #TORN} (zeros and pattern mixed) or {@link #GARBAGE} (any other byte). */
    static String classify(Page page, int pattern) {
        byte[] b = page.kmap();
        boolean zero = false;
        boolean data = false;
        for (int i = 0; i < Bio.SECTOR_SIZE; i++) {
            if (b[i] == 0) {
                zero = true;
            } else if (b[i] == (byte) pattern) {
                data = true;
            } else {
                return GARBAGE;
            }
        }
        return zero && data ? TORN : data ? DATA : ZEROS;
    }
}
