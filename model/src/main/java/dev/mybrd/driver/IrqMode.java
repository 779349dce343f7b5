package dev.mybrd.driver;

/**
 * mybrd's {@code irqmode} (null_blk's {@code irqmode}): where a request is completed.
 */
public enum IrqMode {
    /** {@code MYBRD_IRQ_NONE}: ended inline by the context that processed it. */
    NONE,
    /** {@code MYBRD_IRQ_SOFTIRQ}: {@code blk_complete_request}, ended later in {@code BLOCK_SOFTIRQ}. */
    SOFTIRQ,
    /** null_blk's {@code NULL_IRQ_TIMER}: completed from a timer after {@code completion_nsec}. */
    TIMER;

    /** The lab's spelling: {@code none}, {@code softirq}, {@code timer}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code none}, {@code softirq} or {@code timer}; anything else is -EINVAL. */
    public static IrqMode parse(String s) {
        for (IrqMode m : values()) {
            if (m.label().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("irqmode must be none, softirq or timer, got '" + s + "' (-EINVAL)");
    }
}
