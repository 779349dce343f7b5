package dev.mybrd.mm;

/** The allocation flags of {@code include/linux/gfp.h} that the model distinguishes. */
public final class Gfp {
    /** {@code __GFP_DIRECT_RECLAIM}: the allocator may sleep to reclaim memory. */
    public static final int DIRECT_RECLAIM = 1;
    /** {@code __GFP_ZERO}: return a zero-filled page. */
    public static final int ZERO = 1 << 1;
    /** {@code __GFP_HIGH}: may use the emergency reserves. */
    public static final int HIGH = 1 << 2;
    /** {@code GFP_NOIO}: may sleep, must not start I/O. */
    public static final int NOIO = DIRECT_RECLAIM;
    /** {@code GFP_ATOMIC}: never sleeps. */
    public static final int ATOMIC = HIGH;

    private Gfp() {
    }

    /** {@code gfpflags_allow_blocking()}. */
    public static boolean allowsBlocking(int gfp) {
        return (gfp & DIRECT_RECLAIM) != 0;
    }
}
