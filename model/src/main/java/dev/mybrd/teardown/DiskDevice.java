package dev.mybrd.teardown;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The life of a {@code struct gendisk} as v4.4's {@code block/genhd.c} manages it: the kobject of the
 * device embedded in it ({@code disk_to_dev(disk)->kobj}) with its reference count,
 * {@code GENHD_FL_UP}, {@code disk->fops} (a pointer into the driver module's memory) and
 * {@code disk->private_data}.
 *
 * <p>{@code alloc_disk} gives the driver one reference; {@link #getDisk} ({@code get_disk}, which
 * every opener's lookup calls through {@code exact_lock}) reads {@code disk->fops->owner}, takes a
 * reference on that module and one on the kobject; {@link #putDisk} drops a kobject reference, and the
 * last one runs {@code disk_release}, which frees the gendisk. {@code del_gendisk} clears
 * {@code GENHD_FL_UP} ({@link #clearUp}); unpublishing it from {@code bdev_map} is {@link BdevMap}'s.
 *
 * <p>{@code get_disk} dereferences {@code disk->fops} before it can know whether the module is
 * still there: that is safe only while the disk is published by a module that has not been freed,
 * which is why a driver must unpublish its disks in its exit function (P28).
 */
public final class DiskDevice {
    private static final VarHandle KREF;
    private static final VarHandle UP;
    private static final VarHandle FREED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            KREF = l.findVarHandle(DiskDevice.class, "kref", int.class);
            UP = l.findVarHandle(DiskDevice.class, "up", boolean.class);
            FREED = l.findVarHandle(DiskDevice.class, "freed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String diskName;
    private final Module owner;
    private final Object privateData;
    @SuppressWarnings("unused") private int kref;
    @SuppressWarnings("unused") private boolean up;
    @SuppressWarnings("unused") private boolean freed;

    /** {@code alloc_disk} with {@code fops} in module {@code owner}: one reference, the driver's. */
    public DiskDevice(String diskName, Module owner, Object privateData) {
        this.diskName = diskName;
        this.owner = owner;
        this.privateData = privateData;
        KREF.setRelease(this, 1);
    }

    public String diskName() {
        return diskName;
    }

    /** {@code add_disk}'s {@code disk->flags |= GENHD_FL_UP}. */
    void setUp() {
        UP.setRelease(this, true);
    }

    /** {@code del_gendisk}'s {@code disk->flags &= ~GENHD_FL_UP}. */
    void clearUp() {
        UP.setRelease(this, false);
    }

    /** {@code disk->flags & GENHD_FL_UP}. */
    public boolean up() {
        return (boolean) UP.getAcquire(this);
    }

    /**
     * {@code get_disk(disk)}: reads {@code disk->fops->owner} (module memory), then
     * {@code try_module_get} and {@code kobject_get}; false if the module is going away.
     */
    public boolean getDisk() {
        kasanCheck("get_disk");
        owner.checkMemory("disk->fops->owner (mybrd_fops)", "get_disk");
        if (!owner.tryModuleGet()) {
            return false;
        }
        KREF.getAndAdd(this, 1);
        return true;
    }

    /** {@code blkdev_put}'s end: {@code module_put(disk->fops->owner)} and {@code put_disk}. */
    public void putDiskAndModule() {
        owner.checkMemory("disk->fops->owner (mybrd_fops)", "__blkdev_put");
        putDisk();
        owner.modulePut();
    }

    /** {@code put_disk(disk)}: {@code kobject_put}; the last reference runs {@code disk_release}. */
    public void putDisk() {
        kasanCheck("put_disk");
        int left = (int) KREF.getAndAdd(this, -1) - 1;
        KernelBug.bugOn(left < 0, () -> "kobject_put of gendisk " + diskName + " below zero");
        if (left == 0) {
            FREED.setRelease(this, true); // disk_release: blk_put_queue, kfree(disk)
        }
    }

    /** {@code disk->private_data}. */
    public Object privateData(String function) {
        kasanCheck(function);
        return privateData;
    }

    /** Whether {@code disk_release} freed the gendisk. */
    public boolean freed() {
        return (boolean) FREED.getAcquire(this);
    }

    private void kasanCheck(String function) {
        if ((boolean) FREED.getAcquire(this)) {
            throw new KernelBug("BUG: KASAN: use-after-free in " + function + ": gendisk " + diskName
                    + " was freed by disk_release");
        }
    }
}
