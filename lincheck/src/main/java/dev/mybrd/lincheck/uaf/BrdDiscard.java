package dev.mybrd.lincheck.uaf;

import dev.mybrd.block.Bio;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.DiscardMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.Arrays;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * KR-21: a one-page RAM disk whose page 0 holds pattern 5, then a discard of that page racing a read
 * or a write of its first sector, each a real bio on its own simulated CPU. Run one after the other,
 * the read returns 5 (before the discard) or 0 (after), and the write lands or is discarded; a run
 * where a bio oopses (KASAN's use-after-free, or {@code BUG_ON(!page)}) is the race.
 */
public abstract class BrdDiscard {
    private static final int PATTERN = 5;
    private final Kernel kernel = new Kernel(2);
    private final MyBrd disk = new MyBrd(kernel, MyBrd.Config.defaults().withCapacity(Page.PAGE_SIZE), mode());

    protected BrdDiscard() {
        kernel.runOn(0, "setup", () -> {
            disk.submitBio(Bio.of(ReqOp.WRITE, 0).addPage(filled(PATTERN), Page.PAGE_SIZE, 0));
        });
    }

    protected abstract DiscardMode mode();

    /** {@code dd if=/dev/ram0 bs=512 count=1}: the first byte read, or the bio's negative errno. */
    @Operation
    public int read() {
        return kernel.runOn(0, "dd", () -> {
            Page buf = Page.buffer();
            Bio bio = Bio.of(ReqOp.READ, 0).addPage(buf, Bio.SECTOR_SIZE, 0);
            disk.submitBio(bio);
            return bio.status().errno() != 0 ? bio.status().errno() : Byte.toUnsignedInt(buf.kmap()[0]);
        });
    }

    /** {@code dd of=/dev/ram0 bs=512 count=1} of pattern 6: the bio's errno. */
    @Operation
    public int write() {
        return kernel.runOn(0, "dd", () -> {
            Bio bio = Bio.of(ReqOp.WRITE, 0).addPage(filled(6), Bio.SECTOR_SIZE, 0);
            disk.submitBio(bio);
            return bio.status().errno();
        });
    }

    /** {@code blkdiscard -o 0 -l 4096 /dev/ram0}: the bio's errno. */
    @Operation
    public int discard() {
        return kernel.runOn(1, "blkdiscard", () -> {
            Bio bio = Bio.discard(0, Page.PAGE_SIZE >> Bio.SECTOR_SHIFT);
            disk.submitBio(bio);
            return bio.status().errno();
        });
    }

    private static Page filled(int value) {
        Page p = Page.buffer();
        Arrays.fill(p.kmap(), (byte) value);
        return p;
    }

    /** 9ead7efc6f3f: the discard frees the page at once; copies run outside RCU. */
    public static class FreeAtOnce extends BrdDiscard {
        @Override
        protected DiscardMode mode() {
            return DiscardMode.FREE_AT_ONCE;
        }
    }

    /** 0e8acffc1be1: lookup and copy under rcu_read_lock, the page freed by call_rcu. */
    public static class FreeAfterGracePeriod extends BrdDiscard {
        @Override
        protected DiscardMode mode() {
            return DiscardMode.FREE_AFTER_GRACE_PERIOD;
        }
    }
}
