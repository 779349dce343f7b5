package dev.mybrd.mqlife;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct request} of a 2021 kernel (v5.13), reduced to what the tag iterators touch: the queue
 * it belongs to, its reference count {@code rq->ref} (1 while allocated; {@code blk_mq_free_request}
 * drops it and the last put frees the tags) and whether it was started. Requests live in a queue's
 * {@link RequestPool}; when the pool's pages are freed every request in them is marked freed, and an
 * access to one is KASAN's "BUG: KASAN: use-after-free in ..." ({@link #kasanCheck}).
 */
public final class Request {
    private static final VarHandle REF;
    private static final VarHandle STARTED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            REF = l.findVarHandle(Request.class, "ref", int.class);
            STARTED = l.findVarHandle(Request.class, "started", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String queue;
    private final int internalTag;
    @SuppressWarnings("unused") private int ref;
    @SuppressWarnings("unused") private boolean started;
    /** The KASAN shadow state of the request's memory: set when its pool's pages are freed. */
    private volatile boolean freed;

    Request(String queue, int internalTag) {
        this.queue = queue;
        this.internalTag = internalTag;
    }

    /** {@code rq->q}'s name. */
    public String queue() {
        return queue;
    }

    /** {@code rq->internal_tag}: its index in the pool. */
    public int internalTag() {
        return internalTag;
    }

    /** {@code blk_mq_rq_ctx_init}: the request is allocated to an I/O, {@code refcount_set(&rq->ref, 1)}. */
    public void init(String function) {
        kasanCheck(function);
        REF.setRelease(this, 1);
    }

    /** {@code blk_mq_start_request}: the driver starts it. */
    public void start(String function) {
        kasanCheck(function);
        STARTED.setRelease(this, true);
    }

    /** {@code blk_mq_free_request} after completion: not started, last reference dropped. */
    public void finish(String function) {
        kasanCheck(function);
        STARTED.setRelease(this, false);
        REF.getAndAdd(this, -1);
    }

    /** {@code refcount_inc_not_zero(&rq->ref)}; an access to freed memory first. */
    public boolean refcountIncNotZero(String function) {
        kasanCheck(function);
        int r = (int) REF.getVolatile(this);
        while (r != 0) {
            int seen = (int) REF.compareAndExchange(this, r, r + 1);
            if (seen == r) {
                return true;
            }
            r = seen;
        }
        return false;
    }

    /** {@code blk_mq_put_rq_ref(rq)}: drops an iterator's reference. */
    public void putRef(String function) {
        kasanCheck(function);
        int old = (int) REF.getAndAdd(this, -1);
        KernelBug.bugOn(old <= 0, () -> "refcount_t: underflow of request " + this);
    }

    /** {@code refcount_read(&rq->ref)}. */
    public int refcount() {
        return (int) REF.getVolatile(this);
    }

    /** {@code blk_mq_request_started(rq)}, read by {@code function}. */
    public boolean started(String function) {
        kasanCheck(function);
        return (boolean) STARTED.getAcquire(this);
    }

    /** Whether the pool holding this request was freed. */
    public boolean freed() {
        return freed;
    }

    void markFreed() {
        freed = true;
    }

    /** KASAN's check of an access to this request by {@code function}. */
    public void kasanCheck(String function) {
        if (freed) {
            throw new KernelBug("BUG: KASAN: use-after-free in " + function + ": request " + this
                    + " lives in a page freed by blk_mq_free_rqs");
        }
    }

    @Override
    public String toString() {
        return queue + "/rq" + internalTag;
    }
}
