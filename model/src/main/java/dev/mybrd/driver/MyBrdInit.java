package dev.mybrd.driver;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The publication order of mybrd's {@code mybrd_init} on the tutorial's {@code ch02-disk} branch
 * (spec section 2.8, item 1; property P26), reduced to the two stores and the check that race.
 *
 * <p>{@code add_disk} publishes the disk ({@code /dev/mybrd} appears) and starts I/O on it at once:
 * the partition scan reads block 0 from another task. ch02's {@code mybrd_make_request_fn} rejects a
 * bio whose disk's {@code private_data} is not {@code global_mybrd}, and ch02 assigns
 * {@code global_mybrd} only after {@code add_disk} returns, so the first scan reads can fail: the
 * tutorial shows the "Buffer I/O error on dev mybrd, logical block 0" lines and explains them. The
 * fix is the rule of spec section 3.16: everything the I/O path reads is initialised before
 * {@code add_disk}.
 *
 * <p>Both stores are releases and both loads acquires (the kernel's {@code add_disk} publishes
 * through locks), so the only question is their order.
 */
public final class MyBrdInit {
    /** Where {@code global_mybrd} is assigned. */
    public enum Order {
        /** ch02: {@code add_disk(disk); global_mybrd = mybrd;} */
        AFTER_ADD_DISK,
        /** The fix: {@code global_mybrd = mybrd; add_disk(disk);} */
        BEFORE_ADD_DISK
    }

    private static final VarHandle GLOBAL_MYBRD;
    private static final VarHandle PUBLISHED_DISK;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            GLOBAL_MYBRD = l.findVarHandle(MyBrdInit.class, "globalMybrd", Object.class);
            PUBLISHED_DISK = l.findVarHandle(MyBrdInit.class, "publishedDisk", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final Order order;
    /** {@code global_mybrd}. */
    @SuppressWarnings("unused") private Object globalMybrd;
    /** The disk as {@code add_disk} made it visible: its {@code private_data}. */
    @SuppressWarnings("unused") private Object publishedDisk;

    public MyBrdInit(Kernel kernel, Order order) {
        this.kernel = kernel;
        this.order = order;
    }

    /** {@code mybrd_init}: allocate the device, then publish it in the chosen order. */
    public void mybrdInit() {
        Object mybrd = new Object(); // mybrd_alloc(): kzalloc'd device, disk->private_data = mybrd
        if (order == Order.BEFORE_ADD_DISK) {
            GLOBAL_MYBRD.setRelease(this, mybrd);
            addDisk(mybrd);
        } else {
            addDisk(mybrd);
            GLOBAL_MYBRD.setRelease(this, mybrd);
        }
    }

    /** {@code add_disk}: {@code /dev/mybrd} exists from here on. */
    private void addDisk(Object privateData) {
        PUBLISHED_DISK.setRelease(this, privateData);
    }

    /**
     * The partition scan's read of block 0, from another task: null if the disk is not there yet
     * ({@code -ENODEV} at open), else the bio's status after {@code mybrd_make_request_fn}.
     */
    public BlkStatus partitionScanRead() {
        Object disk = PUBLISHED_DISK.getAcquire(this);
        if (disk == null) {
            return null;
        }
        Bio bio = Bio.of(ReqOp.READ, 0).addPage(Page.buffer(), 512, 0);
        makeRequest(disk, bio);
        return bio.status();
    }

    /** ch02's {@code mybrd_make_request_fn}: a bio for another device than {@code global_mybrd} fails. */
    private void makeRequest(Object privateData, Bio bio) {
        if (privateData != GLOBAL_MYBRD.getAcquire(this)) {
            kernel.printk("mybrd: make_request: bio for an unknown device");
            kernel.printk("Buffer I/O error on dev mybrd, logical block 0, async page read");
            bio.ioError();
            return;
        }
        bio.endio(BlkStatus.OK); // ch02 moves no data yet: the read ends with success
    }
}
