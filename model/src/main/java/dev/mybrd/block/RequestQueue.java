package dev.mybrd.block;

/**
 * {@code struct request_queue} in bio-mode ({@code blk_alloc_queue_node} +
 * {@code blk_queue_make_request}): the driver's {@code make_request_fn}, its limits and
 * {@code queuedata}. Request-mode fields arrive with the request-mode chapter.
 */
public final class RequestQueue {
    private final MakeRequestFn makeRequestFn;
    private final QueueLimits limits;
    private final Object queuedata;

    public RequestQueue(MakeRequestFn makeRequestFn, QueueLimits limits, Object queuedata) {
        if (makeRequestFn == null || limits == null) {
            throw new IllegalArgumentException("request_queue needs a make_request_fn and limits");
        }
        this.makeRequestFn = makeRequestFn;
        this.limits = limits;
        this.queuedata = queuedata;
    }

    public MakeRequestFn makeRequestFn() {
        return makeRequestFn;
    }

    public QueueLimits limits() {
        return limits;
    }

    /** {@code q->queuedata}. */
    public Object queuedata() {
        return queuedata;
    }
}
