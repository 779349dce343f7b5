package dev.mybrd.driver;

/**
 * mybrd's {@code queue_mode} (null_blk's module parameter of the same name): how the driver takes
 * I/O from the block layer.
 */
public enum QueueMode {
    /** {@code MYBRD_Q_BIO}: {@code make_request_fn} sees each bio in the submitter's context. */
    BIO,
    /** {@code MYBRD_Q_RQ}: the legacy request queue: {@code queue_lock}, elevator, {@code request_fn}. */
    RQ,
    /** {@code MYBRD_Q_MQ}: blk-mq: per-CPU software queues, hardware queues and tags. */
    MQ;

    /** The lab's spelling: {@code bio}, {@code rq}, {@code mq}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code bio}, {@code rq} or {@code mq}; anything else is -EINVAL. */
    public static QueueMode parse(String s) {
        for (QueueMode m : values()) {
            if (m.label().equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("queue_mode must be bio, rq or mq, got '" + s + "' (-EINVAL)");
    }
}
