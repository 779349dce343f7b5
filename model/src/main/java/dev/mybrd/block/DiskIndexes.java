package dev.mybrd.block;

import dev.mybrd.idr.Ida;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;

/**
 * Disk indexes and minor numbers allocated from an IDA, the virtio_blk pattern
 * ({@code drivers/block/virtio_blk.c}, v4.4) that spec 3.12 asks a model of "minors by IDA" to follow:
 *
 * <pre>
 * index = ida_simple_get(&amp;vd_index_ida, 0, minor_to_index(1 &lt;&lt; MINORBITS), GFP_KERNEL);
 * disk-&gt;first_minor = index_to_minor(index);      // index &lt;&lt; PART_BITS
 * virtblk_name_format("vd", index, disk-&gt;disk_name, DISK_NAME_LEN);
 * ...
 * ida_simple_remove(&amp;vd_index_ida, index);       // virtblk_remove, and probe's error path
 * </pre>
 *
 * <p>Each disk owns {@code 1 << PART_BITS} minors (itself and 15 partitions), so the 20-bit minor
 * space holds {@link #MAX_INDEXES} disks. The IDA hands out the lowest free index, so a removed
 * disk's index, minors and name are reused by the next probe: whoever still holds the old
 * {@code dev_t} or name then reaches the new disk (spec 3.12, the stale-id ABA), which is why the
 * index must be freed only when nothing refers to the old disk any more.
 *
 * <p>mybrd itself hard-codes {@code first_minor = 111} with {@code alloc_disk(1)}; this class is
 * what a driver with several disks uses instead. Not wired into {@code MyBrd} yet.
 */
public final class DiskIndexes {
    /** {@code PART_BITS} of virtio_blk: 16 minors per disk. */
    public static final int PART_BITS = 4;
    /** {@code minor_to_index(1 << MINORBITS)}: the exclusive end passed to {@code ida_simple_get}. */
    public static final int MAX_INDEXES = minorToIndex(1 << Gendisk.MINORBITS);
    /** {@code DISK_NAME_LEN}, including the terminating NUL. */
    public static final int DISK_NAME_LEN = 32;

    private final Ida vdIndexIda;
    private final String prefix;

    /** {@code static DEFINE_IDA(vd_index_ida)} for disks named {@code prefix} + letters ("vd" gives vda, vdb, ...). */
    public DiskIndexes(Kernel kernel, String prefix) {
        this(kernel, prefix, Ida.Config.defaults());
    }

    public DiskIndexes(Kernel kernel, String prefix, Ida.Config config) {
        if (prefix == null || prefix.isEmpty() || prefix.length() >= DISK_NAME_LEN - 1) {
            throw new IllegalArgumentException("disk name prefix must have 1.." + (DISK_NAME_LEN - 2)
                    + " characters, got " + prefix);
        }
        this.prefix = prefix;
        this.vdIndexIda = new Ida(kernel, prefix + "_index_ida", config);
    }

    /** {@code minor_to_index(minor)}. */
    public static int minorToIndex(int minor) {
        return minor >> PART_BITS;
    }

    /** {@code index_to_minor(index)}: the disk's {@code first_minor}. */
    public static int indexToMinor(int index) {
        return index << PART_BITS;
    }

    /**
     * The index half of {@code virtblk_probe}: the lowest free index, or {@code -ENOSPC} when all
     * {@link #MAX_INDEXES} are taken, {@code -ENOMEM}. Run as a task; may sleep if {@code gfp} blocks.
     */
    public int allocIndex(int gfp) {
        return vdIndexIda.simpleGet(0, MAX_INDEXES, gfp);
    }

    /** {@code ida_simple_remove(&vd_index_ida, index)}: 0, or {@code -EINVAL} (and a WARN) if not allocated. */
    public int freeIndex(int index) {
        return vdIndexIda.simpleRemove(index);
    }

    /** The disk name for {@code index} under this prefix ({@code virtblk_name_format}). */
    public String diskName(int index) {
        return diskName(prefix, index);
    }

    /**
     * {@code virtblk_name_format(prefix, index, buf, DISK_NAME_LEN)}: bijective base-26, so 0 is "a",
     * 25 "z", 26 "aa", 701 "zz", 702 "aaa". Throws for a negative index or a name that would not fit
     * (the kernel's {@code -EINVAL}).
     */
    public static String diskName(String prefix, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("disk index must be >= 0, got " + index);
        }
        final int base = 'z' - 'a' + 1;
        StringBuilder letters = new StringBuilder();
        int i = index;
        do {
            letters.append((char) ('a' + i % base));
            i = i / base - 1;
        } while (i >= 0);
        if (prefix.length() + letters.length() > DISK_NAME_LEN - 1) {
            throw new IllegalArgumentException("virtblk_name_format: " + prefix + " + index " + index
                    + " does not fit in DISK_NAME_LEN (" + Errno.EINVAL.negative() + ")");
        }
        return prefix + letters.reverse();
    }

    /** The IDA, for checks. */
    public Ida ida() {
        return vdIndexIda;
    }
}
