package dev.mybrd.teardown;

import dev.mybrd.blkmq.BlkMqFreeze;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import dev.mybrd.radix.RadixTree;
import dev.mybrd.rcu.Rcu;
import java.util.ArrayList;
import java.util.List;

/**
 * The mybrd module's life, load to unload, with the open and read of {@code /dev/mybrd} that can
 * race with the unload (race MYBRD-07, spec 2.8 item 7, property P28). A reduced model: the module
 * ({@link Module}), the disk's publication ({@link BdevMap}, {@link DiskDevice}), the queue's usage
 * counter and dying flag (the real {@link BlkMqFreeze}: {@code blk_queue_enter},
 * {@code blk_cleanup_queue}'s freeze) and a bio-mode data path that reads one page of the store.
 *
 * <p><b>Load</b> ({@code mybrd_init} on master): allocate the device, its queue and its disk, then
 * {@code add_disk} (the disk is UP and registered in {@code bdev_map}).
 *
 * <p><b>Unload</b>, in one of two orders ({@link Order}):
 * <ul>
 *   <li>{@link Order#MYBRD_MASTER}, mybrd {@code master}'s {@code mybrd_exit} → {@code mybrd_free}:
 *       {@code blk_cleanup_queue(queue); kfree(mybrd);} then {@code unregister_blkdev}. No
 *       {@code del_gendisk}, no {@code put_disk}, no freeing of the pages (nor, in mq-mode, of the
 *       tag set). The disk stays in {@code bdev_map} after {@code free_module}, its {@code fops}
 *       pointing into the freed module: the next open of {@code /dev/mybrd} runs {@code get_disk},
 *       which reads {@code disk->fops->owner} from freed memory.
 *   <li>{@link Order#BRD_V4_4}, v4.4 brd's {@code brd_exit} → {@code brd_del_one} →
 *       {@code brd_free}: {@code del_gendisk} (not UP, unregistered: no new opener finds it),
 *       {@code put_disk}, {@code blk_cleanup_queue} (dying, frozen and drained), free every page
 *       ({@code brd_free_pages}), {@code kfree}. (v4.4's brd drops the disk reference before the
 *       queue cleanup; the disk itself lives on while an opener holds a reference.)
 * </ul>
 *
 * <p><b>Open and read</b> ({@link #openReadClose}, {@code dd if=/dev/mybrd bs=4k count=1}):
 * {@code blkdev_get} finds the disk with {@code get_gendisk} (a reference on the disk and on the
 * module, or {@code -ENXIO}); the read goes through {@code generic_make_request}, which enters the
 * queue ({@code blk_queue_enter}: {@code -ENODEV} on a dying queue, and the bio ends with
 * {@code -EIO}) before {@code mybrd_make_request_fn} copies from the page; {@code blkdev_put} drops both
 * references. Because an opener holds the module, {@code rmmod} fails with {@code -EWOULDBLOCK} while
 * it is open, and an open that starts after {@code try_stop_module} cannot get the module: with either
 * order, an open during the unload fails with {@code -ENXIO}. What the order decides is what an open
 * finds after the unload.
 */
public final class MyBrdModule {
    /** {@code MKDEV(253, 111)}: mybrd's dynamic major in the tutorial's VM, first minor 111. */
    public static final int DEVT = (253 << 20) | 111;

    /** Which exit function runs. */
    public enum Order {
        /** mybrd master: {@code blk_cleanup_queue}, {@code kfree}; the disk is never deleted. */
        MYBRD_MASTER,
        /** v4.4 brd: {@code del_gendisk}, {@code put_disk}, {@code blk_cleanup_queue}, free pages, {@code kfree}. */
        BRD_V4_4
    }

    /** {@code struct mybrd_device}: its page store, and the KASAN state of its allocation. */
    private static final class Device {
        final RadixTree<Page> pages;
        final List<Long> indexes = new ArrayList<>();
        volatile boolean freed;

        Device(Kernel kernel) {
            pages = new RadixTree<>(kernel);
        }

        void kasanCheck(String function) {
            if (freed) {
                throw new KernelBug("BUG: KASAN: use-after-free in " + function + ": struct mybrd_device was"
                        + " freed by mybrd_exit's kfree");
            }
        }
    }

    private final Kernel kernel;
    private final Order order;
    private final BdevMap bdevMap;
    private final Module module = new Module("mybrd");
    private final Rcu rcu;
    private final PageAllocator allocator;
    private final Device mybrd;
    private final BlkMqFreeze queue;
    private final DiskDevice disk;

    /** {@code insmod mybrd.ko}: {@code mybrd_init} (device, queue, disk, {@code add_disk}). */
    public MyBrdModule(Kernel kernel, BdevMap bdevMap, Order order) {
        if (kernel == null || bdevMap == null || order == null) {
            throw new IllegalArgumentException("mybrd needs a kernel, a bdev_map and an exit order");
        }
        this.kernel = kernel;
        this.order = order;
        this.bdevMap = bdevMap;
        this.rcu = new Rcu(kernel);
        this.allocator = new PageAllocator(kernel, 16);
        this.mybrd = new Device(kernel);
        this.queue = new BlkMqFreeze(kernel, "mybrd");
        this.disk = new DiskDevice("mybrd", module, mybrd);
        disk.setUp();
        bdevMap.blkRegisterRegion(DEVT, disk);
    }

    /** A page at {@code index} filled with {@code value}, as an earlier write left it (setup only). */
    public void preload(long index, int value) {
        Page p = allocator.allocPage(Gfp.NOIO | Gfp.ZERO);
        java.util.Arrays.fill(p.kmap(), (byte) value);
        p.setIndex(index);
        mybrd.pages.preload(true);
        mybrd.pages.insert(index, p);
        mybrd.pages.preloadEnd();
        mybrd.indexes.add(index);
    }

    /** {@code rmmod mybrd}: 0, {@code -EWOULDBLOCK} while an opener holds the module, or {@code -EBUSY}. */
    public int rmmod() {
        return module.deleteModule(this::exit);
    }

    private void exit() {
        if (order == Order.MYBRD_MASTER) {
            blkCleanupQueue();
            mybrd.freed = true; // kfree(global_mybrd)
            return; // unregister_blkdev: the major's name only
        }
        delGendisk();
        disk.putDisk();
        blkCleanupQueue();
        brdFreePages();
        mybrd.freed = true;
    }

    /** {@code del_gendisk}: not UP any more, and gone from {@code bdev_map}. */
    private void delGendisk() {
        disk.clearUp();
        bdevMap.blkUnregisterRegion(DEVT);
    }

    /**
     * {@code blk_cleanup_queue}: {@code blk_set_queue_dying} (new {@code blk_queue_enter} calls fail
     * with {@code -ENODEV}), then {@code blk_freeze_queue}: kill the usage counter and wait until every
     * bio that entered has left. After it returns no {@code make_request_fn} runs for the queue.
     */
    private void blkCleanupQueue() {
        queue.setQueueDying();
        queue.freezeQueue();
    }

    /** {@code brd_free_pages}: every page out of the tree and back to the allocator. */
    private void brdFreePages() {
        for (long idx : mybrd.indexes) {
            Page p = mybrd.pages.delete(idx);
            if (p != null) {
                allocator.freePage(p);
            }
        }
    }

    /**
     * {@code dd if=/dev/mybrd bs=4k count=1} as one task: open, read the first byte of page 0, close.
     * The byte read, {@code -ENXIO} if the open found no disk, or {@code -EIO} if the read failed.
     */
    public int openReadClose() {
        DiskDevice d = bdevMap.getGendisk(DEVT); // blkdev_get
        if (d == null) {
            return Errno.ENXIO.negative();
        }
        try {
            return genericMakeRequest(d);
        } finally {
            d.putDiskAndModule(); // blkdev_put
        }
    }

    /** {@code generic_make_request} of a one-page read: enter the queue, {@code make_request_fn}, exit. */
    private int genericMakeRequest(DiskDevice d) {
        if (queue.enter(true) != 0) {
            return Errno.EIO.negative(); // bio_io_error
        }
        try {
            return makeRequestFn(d);
        } finally {
            queue.exit();
        }
    }

    /** {@code mybrd_make_request_fn}: the device from {@code bd_disk->private_data}, then the copy. */
    private int makeRequestFn(DiskDevice d) {
        Device dev = (Device) d.privateData("mybrd_make_request_fn");
        dev.kasanCheck("mybrd_make_request_fn");
        rcu.readLock();
        Page p = dev.pages.lookup(0);
        rcu.readUnlock();
        if (p == null) {
            return 0;
        }
        p.kasanCheck("copy_from_mybrd_to_user");
        return Byte.toUnsignedInt(p.kmap()[0]);
    }

    /** The module. */
    public Module module() {
        return module;
    }

    /** The disk. */
    public DiskDevice disk() {
        return disk;
    }

    /** Pages allocated and not freed: after an unload, what leaked. */
    public long pagesAllocated() {
        return allocator.allocated();
    }

    /** Whether the queue is dying (set by {@code blk_cleanup_queue}). */
    public boolean queueFrozen() {
        return queue.frozenAndDrained();
    }

    Kernel kernel() {
        return kernel;
    }
}
