package dev.mybrd.lincheck.publish;

import dev.mybrd.block.BlkStatus;
import dev.mybrd.driver.MyBrdInit;
import dev.mybrd.kernel.Kernel;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * {@code mybrd_init} on one CPU against the partition scan's first read on another (MYBRD-01, P26).
 * One after the other, the read either finds no disk ("none") or reads it ("ok"); "EIO" is the read
 * that found the disk before the driver's global pointer was set.
 */
public abstract class InitVsPartitionScan {
    private final MyBrdInit init = new MyBrdInit(new Kernel(2), order());

    protected abstract MyBrdInit.Order order();

    @Operation
    public int init() {
        init.mybrdInit();
        return 0;
    }

    @Operation
    public String scan() {
        BlkStatus s = init.partitionScanRead();
        return s == null ? "none" : s == BlkStatus.OK ? "ok" : s.toString();
    }

    /** ch02: global_mybrd assigned after add_disk. */
    public static class Ch02 extends InitVsPartitionScan {
        @Override
        protected MyBrdInit.Order order() {
            return MyBrdInit.Order.AFTER_ADD_DISK;
        }
    }

    /** Everything set before add_disk. */
    public static class Fixed extends InitVsPartitionScan {
        @Override
        protected MyBrdInit.Order order() {
            return MyBrdInit.Order.BEFORE_ADD_DISK;
        }
    }
}
