package dev.mybrd.teardown;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.Mutex;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code bdev_map}, the {@code kobj_map} that turns a block device number into its gendisk
 * ({@code drivers/base/map.c}, {@code block/genhd.c}, v4.4), under {@code block_class_lock}.
 *
 * <p>{@code add_disk} registers the disk's range with {@code blk_register_region(devt, minors, NULL,
 * exact_match, exact_lock, disk)}; {@code del_gendisk} removes it ({@code blk_unregister_region}).
 * {@link #getGendisk} is {@code get_gendisk}: {@code kobj_lookup} takes the lock, finds the probe
 * for the number and calls its lock function, {@code exact_lock}, that is {@code get_disk}; if that
 * fails (the driver is going away) the probe is skipped. The catch-all {@code base_probe} only asks
 * for the module to be loaded ({@code request_module("block-major-..")}) and finds nothing, so an
 * unregistered or dying disk makes the open fail with {@code -ENXIO}. Only exact single-number
 * regions are modelled (mybrd's {@code alloc_disk(1)}).
 */
public final class BdevMap {
    private final Mutex blockClassLock;
    private final Map<Integer, DiskDevice> probes = new HashMap<>();

    public BdevMap(Kernel kernel) {
        this.blockClassLock = new Mutex(kernel, "block_class_lock");
    }

    /** {@code blk_register_region(devt, 1, NULL, exact_match, exact_lock, disk)}. */
    public void blkRegisterRegion(int devt, DiskDevice disk) {
        blockClassLock.lock();
        try {
            if (probes.putIfAbsent(devt, disk) != null) {
                throw new IllegalStateException("region " + devt + " is already registered");
            }
        } finally {
            blockClassLock.unlock();
        }
    }

    /** {@code blk_unregister_region(devt, 1)}. */
    public void blkUnregisterRegion(int devt) {
        blockClassLock.lock();
        try {
            probes.remove(devt);
        } finally {
            blockClassLock.unlock();
        }
    }

    /**
     * {@code get_gendisk(devt)}: the disk with a reference on it and on its module (drop both with
     * {@link DiskDevice#putDiskAndModule}), or null.
     */
    public DiskDevice getGendisk(int devt) {
        blockClassLock.lock();
        try {
            DiskDevice disk = probes.get(devt);
            if (disk == null || !disk.getDisk()) { // exact_lock
                return null; // base_probe: request_module, nothing found
            }
            return disk; // exact_match
        } finally {
            blockClassLock.unlock();
        }
    }
}
