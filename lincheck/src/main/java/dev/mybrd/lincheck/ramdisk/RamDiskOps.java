package dev.mybrd.lincheck.ramdisk;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;

/**
 * The operations the RAM-disk checks perform, each a real bio through {@code generic_make_request}
 * and {@code mybrd_make_request_fn}, run as a task on the given simulated CPU.
 *
 * <p>A sector's value is the byte its writer filled it with; a read reports the first byte of the
 * sector it copied. Java never tears a single byte, so this value is well defined even when a
 * concurrent copy tears the sector (spec PS5); whole-sector contents are checked by the unit tests.
 * Results are the value read, or the bio's negative errno. The {@code cpu} argument is Lincheck's
 * thread id, so each thread runs on its own CPU (ids past the last CPU wrap around).
 */
public abstract class RamDiskOps {
    /** A two-page disk: enough for page-creation races and a write that spans both pages. */
    public static final long CAPACITY = 2L * Page.PAGE_SIZE;
    /** The sector where the page-spanning write starts: half of its 4 KiB land in each page. */
    public static final int ACROSS_SECTOR = 4;

    protected final Kernel kernel = new Kernel(4);
    protected final MyBrd disk = new MyBrd(kernel, config());

    /** The device under check; seeded-bug variants override it. */
    protected MyBrd.Config config() {
        return MyBrd.Config.defaults().withCapacity(CAPACITY);
    }

    protected int writeSector(int cpu, int sector, int pattern) {
        return kernel.runOn(cpu % kernel.nrCpus(), "writer", () -> submit(ReqOp.WRITE, sector, filled(Bio.SECTOR_SIZE, pattern), Bio.SECTOR_SIZE).errno());
    }

    protected int readSector(int cpu, int sector) {
        return kernel.runOn(cpu % kernel.nrCpus(), "reader", () -> {
            Page buf = Page.buffer();
            BlkStatus st = submit(ReqOp.READ, sector, buf, Bio.SECTOR_SIZE);
            return st == BlkStatus.OK ? Byte.toUnsignedInt(buf.kmap()[0]) : st.errno();
        });
    }

    protected int discardPage(int cpu, int page) {
        return kernel.runOn(cpu % kernel.nrCpus(), "discard", () -> {
            Bio bio = Bio.discard((long) page * 8, 8);
            disk.submitBio(bio);
            return bio.status().errno();
        });
    }

    /** One 4 KiB write at {@link #ACROSS_SECTOR}: sectors 4-7 of page 0 and 0-3 of page 1. */
    protected int writeAcrossPages(int cpu, int pattern) {
        return kernel.runOn(cpu % kernel.nrCpus(), "writer", () -> submit(ReqOp.WRITE, ACROSS_SECTOR, filled(Page.PAGE_SIZE, pattern), Page.PAGE_SIZE).errno());
    }

    /** One 4 KiB read at {@link #ACROSS_SECTOR}; returns {@code 256 * (page-0 half) + (page-1 half)}. */
    protected int readAcrossPages(int cpu) {
        return kernel.runOn(cpu % kernel.nrCpus(), "reader", () -> {
            Page buf = Page.buffer();
            BlkStatus st = submit(ReqOp.READ, ACROSS_SECTOR, buf, Page.PAGE_SIZE);
            if (st != BlkStatus.OK) {
                return st.errno();
            }
            byte[] b = buf.kmap();
            return 256 * Byte.toUnsignedInt(b[0]) + Byte.toUnsignedInt(b[Page.PAGE_SIZE / 2]);
        });
    }

    private BlkStatus submit(ReqOp op, int sector, Page buf, int len) {
        Bio bio = Bio.of(op, sector).addPage(buf, len, 0);
        disk.submitBio(bio);
        if (!bio.ended()) {
            throw new AssertionError("bio-mode must end the bio inline: " + bio);
        }
        return bio.status();
    }

    /** A buffer page whose first {@code len} bytes hold {@code pattern}. */
    private static Page filled(int len, int pattern) {
        Page p = Page.buffer();
        java.util.Arrays.fill(p.kmap(), 0, len, (byte) pattern);
        return p;
    }
}
