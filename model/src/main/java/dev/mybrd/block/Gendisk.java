package dev.mybrd.block;

/**
 * {@code struct gendisk}: the disk as the rest of the kernel sees it, {@code major:first_minor},
 * its name, capacity in sectors, queue and {@code private_data}. mybrd uses {@code alloc_disk(1)}
 * (one minor, no partitions), {@code first_minor = 111} and {@code GENHD_FL_EXT_DEVT}.
 */
public final class Gendisk {
    /** {@code MINORBITS}: a dev_t has 20 bits of minor. */
    public static final int MINORBITS = 20;

    private final int major;
    private final int firstMinor;
    private final int minors;
    private final String diskName;
    private final long capacity;
    private final RequestQueue queue;
    private final Object privateData;

    public Gendisk(int major, int firstMinor, int minors, String diskName, long capacity,
                   RequestQueue queue, Object privateData) {
        if (major <= 0 || major > 511) {
            throw new IllegalArgumentException("major must be in 1..511, got " + major);
        }
        if (minors < 1 || firstMinor < 0 || firstMinor + minors > (1 << MINORBITS)) {
            throw new IllegalArgumentException("minors " + firstMinor + "+" + minors + " outside the 20-bit minor space");
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0 sectors, got " + capacity);
        }
        this.major = major;
        this.firstMinor = firstMinor;
        this.minors = minors;
        this.diskName = diskName;
        this.capacity = capacity;
        this.queue = queue;
        this.privateData = privateData;
    }

    public int major() {
        return major;
    }

    /** {@code first_minor}. */
    public int firstMinor() {
        return firstMinor;
    }

    public int minors() {
        return minors;
    }

    /** {@code disk_name}. */
    public String diskName() {
        return diskName;
    }

    /** {@code get_capacity(disk)} in 512-byte sectors. */
    public long capacity() {
        return capacity;
    }

    public RequestQueue queue() {
        return queue;
    }

    /** {@code disk->private_data}. */
    public Object privateData() {
        return privateData;
    }

    /** {@code MKDEV(major, first_minor)} as "major:minor". */
    public String devt() {
        return major + ":" + firstMinor;
    }

    @Override
    public String toString() {
        return diskName + " (" + devt() + ", " + capacity + " sectors)";
    }
}
