package dev.mybrd.block;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;

/**
 * {@code struct io_context} ({@code include/linux/iocontext.h}, v4.4) reduced to what the legacy
 * request allocator reads, and the batching predicates of {@code block/blk-core.c} over it:
 * {@code create_io_context}, {@code ioc_batching} and {@code ioc_set_batching}.
 *
 * <p><b>Batching.</b> When a request class of a queue fills up ({@code rl->count + 1} reaches
 * {@code nr_requests}), the allocating task sets the class {@code FULL} and becomes a <em>batcher</em>;
 * so does a task that slept in {@code get_request} and was woken. While {@code FULL} is set only
 * batchers get requests (others sleep, or fail with {@code -ENOMEM} when they may not block), up to
 * the hard cap of 1.5 x {@code nr_requests}. A batcher is one whose {@code nr_batch_requests} still
 * equals the queue's {@code nr_batching} (it has a fresh allowance and has used none of it: at least
 * one request is guaranteed even after the time ran out, so a woken sleeper never loses the wake-up
 * it consumed), or is above 0 and {@code BLK_BATCH_TIME} (20 ms) has not passed since
 * {@code last_waited}. Each request a batcher gets costs one of its allowance.
 *
 * <p><b>State.</b> {@code nr_batch_requests} and {@code last_waited} (jiffies). Both are touched only
 * by the task that owns the context (the kernel shares a context between tasks only with
 * {@code CLONE_IO}, which the model has no use for), partly under {@code queue_lock}
 * ({@code __get_request}) and partly without it ({@code get_request} after {@code io_schedule}), so
 * they are plain fields. The clock is the queue's {@code jiffies} ({@link RequestQueue#timers()}, the
 * one its request timeout runs on), compared with {@code time_before}, which survives the wrap.
 *
 * <p><b>Lifetime.</b> The kernel allocates the context lazily and upfront of any request
 * ({@code generic_make_request_checks} and {@code blk_old_get_request} call
 * {@code create_io_context}), zeroed: not a batcher. The model creates it on the first
 * {@code get_request} of the task ({@link #createIoContext}); a task is one {@link Kernel#runOn}, so
 * a context lives as long as that body.
 */
public final class IoContext {
    /** Requests left in the current batch ({@code nr_batch_requests}). */
    int nrBatchRequests;
    /** When the task last became a batcher ({@code last_waited}, jiffies). */
    long lastWaited;

    private IoContext() {
    }

    /** {@code current->io_context}: the current task's context, or null if it has none yet. */
    public static IoContext current(Kernel kernel) {
        return (IoContext) kernel.current().ioContext();
    }

    /**
     * {@code create_io_context(gfp, node)}: the current task's context, allocated zeroed
     * ({@code create_task_io_context}) if it has none. Never fails in the model.
     */
    public static IoContext createIoContext(Kernel kernel) {
        Task task = kernel.current();
        IoContext ioc = (IoContext) task.ioContext();
        if (ioc == null) {
            ioc = new IoContext();
            task.setIoContext(ioc);
        }
        return ioc;
    }

    /** {@code ioc->nr_batch_requests}. */
    public int nrBatchRequests() {
        return nrBatchRequests;
    }

    /** {@code ioc->last_waited}. */
    public long lastWaited() {
        return lastWaited;
    }

    /**
     * {@code ioc_batching(q, ioc)}: whether the owner may allocate past a {@code FULL} class of
     * {@code q}. A fresh, untouched allowance counts whatever the time, so the first request after
     * becoming a batcher is never refused.
     */
    static boolean iocBatching(RequestQueue q, IoContext ioc) {
        if (ioc == null) {
            return false;
        }
        return ioc.nrBatchRequests == q.nrBatching
                || (ioc.nrBatchRequests > 0
                        && timeBefore(q.timers.jiffies(), ioc.lastWaited + RequestQueue.BLK_BATCH_TIME));
    }

    /**
     * {@code ioc_set_batching(q, ioc)}: makes the owner a batcher with a fresh allowance of
     * {@code q->nr_batching} requests from now, unless it already is one (a running batch is not
     * renewed).
     */
    static void iocSetBatching(RequestQueue q, IoContext ioc) {
        if (ioc == null || iocBatching(q, ioc)) {
            return;
        }
        ioc.nrBatchRequests = q.nrBatching;
        ioc.lastWaited = q.timers.jiffies();
    }

    /** {@code time_before(a, b)}: a is earlier than b, modulo the wrap. */
    private static boolean timeBefore(long a, long b) {
        return a - b < 0;
    }

    @Override
    public String toString() {
        return "io_context{nr_batch_requests=" + nrBatchRequests + " last_waited=" + lastWaited + "}";
    }
}
