package dev.mybrd.mqlife;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * The driver tags of a tag set shared by several request queues ({@code set->tags[hctx_idx]} of a
 * v5.13 kernel, {@code block/blk-mq-tag.c}), reduced to one word of tags: the bitmap, the pointers
 * {@code rqs[tag]} to the request holding each tag, and {@code tags->lock}.
 *
 * <p><b>Getting a driver tag</b> ({@code __blk_mq_get_driver_tag}) sets the tag's bit first and
 * stores {@code rqs[tag] = rq} afterwards; putting it clears the bit and leaves {@code rqs[tag]} as
 * it is. So between a get's two steps, and for every free tag, {@code rqs[tag]} is stale: it points at
 * the request that held the tag before, possibly of another queue.
 *
 * <p><b>The busy iterator</b> ({@code blk_mq_tagset_busy_iter} → {@code bt_tags_iter}) calls
 * {@code fn(rq)} for every set bit, with {@code rqs[bit]}. When it reads the stale pointer of a
 * request whose pool ({@link RequestPool}) was freed meanwhile, it touches freed memory: race KR-15.
 *
 * <p><b>Variants.</b> {@link Variant#REF_WITHOUT_CLEAR} is the code just before bd63141d585b: the
 * iterator takes a reference with {@code refcount_inc_not_zero(&rq->ref)} ({@code
 * blk_mq_find_and_get_req}, from 2e315dc07df0) and calls {@code fn} only if that worked, but the read
 * of {@code rq->ref} is itself the use-after-free when the pool is gone. {@link
 * Variant#CLEAR_STALE_UNDER_LOCK} is bd63141d585b "blk-mq: clear stale request in tags->rq[] before
 * freeing one request pool": the iterator reads {@code rqs[bit]} and takes the reference under
 * {@code tags->lock}; before freeing a pool, {@code blk_mq_clear_rq_mapping} replaces every
 * {@code rqs[]} entry that points into it with NULL ({@code cmpxchg}) and then takes and releases
 * {@code tags->lock}, which waits for any iterator that read an old entry before the clearing. Both
 * read from the patch as posted (May 2021, V6 3/4) and its pre-image.
 */
public final class DriverTags {
    /** Which kernel's iterator and pool freeing run. */
    public enum Variant {
        /** After 2e315dc07df0, before bd63141d585b: reference taken without the lock; nothing cleared. */
        REF_WITHOUT_CLEAR,
        /** bd63141d585b: stale entries cleared, iterator and clearing serialised by {@code tags->lock}. */
        CLEAR_STALE_UNDER_LOCK
    }

    private static final VarHandle BITMAP;
    private static final VarHandle RQS = MethodHandles.arrayElementVarHandle(Request[].class);

    static {
        try {
            BITMAP = MethodHandles.lookup().findVarHandle(DriverTags.class, "bitmap", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Variant variant;
    private final int nrTags;
    @SuppressWarnings("unused") private int bitmap;
    private final Request[] rqs;
    /** {@code tags->lock}. */
    private final SpinLock lock;

    /** {@code blk_mq_init_tags(nr_tags, 0, ...)} for the driver tags, up to 31 tags. */
    public DriverTags(Kernel kernel, int nrTags, Variant variant) {
        if (nrTags < 1 || nrTags > 31) {
            throw new IllegalArgumentException("-EINVAL: the model's driver tags have 1..31 tags, got " + nrTags);
        }
        if (variant == null) {
            throw new IllegalArgumentException("DriverTags needs a variant");
        }
        this.variant = variant;
        this.nrTags = nrTags;
        this.rqs = new Request[nrTags];
        this.lock = new SpinLock(kernel, "tags->lock");
    }

    public Variant variant() {
        return variant;
    }

    /**
     * {@code __blk_mq_get_driver_tag(rq)}: the lowest free tag ({@code __sbitmap_queue_get}), then
     * {@code drv_tags->rqs[tag] = rq} ({@code blk_mq_get_driver_tag}); -1 when all are taken.
     */
    public int getDriverTag(Request rq) {
        int tag = testAndSetFree();
        if (tag >= 0) {
            RQS.setRelease(rqs, tag, rq);
        }
        return tag;
    }

    private int testAndSetFree() {
        for (int tag = 0; tag < nrTags; tag++) {
            int bit = 1 << tag;
            if (((int) BITMAP.getAndBitwiseOr(this, bit) & bit) == 0) { // test_and_set_bit_lock
                return tag;
            }
        }
        return -1;
    }

    /** {@code blk_mq_put_tag}: clears the bit; {@code rqs[tag]} keeps pointing at the request. */
    public void putDriverTag(int tag) {
        checkTag(tag);
        int bit = 1 << tag;
        int old = (int) BITMAP.getAndBitwiseAndRelease(this, ~bit); // clear_bit_unlock
        KernelBug.bugOn((old & bit) == 0, () -> "blk_mq_put_tag: tag " + tag + " was not held");
    }

    /** {@code drv_tags->rqs[tag] = rq}, as a completed earlier request left it. */
    public void setRq(int tag, Request rq) {
        checkTag(tag);
        RQS.setRelease(rqs, tag, rq);
    }

    /** {@code blk_mq_tag_to_rq(tags, tag)}. */
    public Request tagToRq(int tag) {
        checkTag(tag);
        return (Request) RQS.getAcquire(rqs, tag);
    }

    /**
     * {@code blk_mq_tagset_busy_iter(set, fn, priv)} over these tags: for every set bit,
     * {@code blk_mq_find_and_get_req} and, if it got a reference, {@code fn(rq)} then
     * {@code blk_mq_put_rq_ref(rq)}. Returns how many requests {@code fn} saw.
     */
    public int busyIter(Consumer<Request> fn) {
        int seen = 0;
        for (int tag = 0; tag < nrTags; tag++) {
            if (((int) BITMAP.getAcquire(this) & (1 << tag)) == 0) {
                continue;
            }
            Request rq = findAndGetReq(tag);
            if (rq == null) {
                continue;
            }
            fn.accept(rq);
            seen++;
            rq.putRef("blk_mq_put_rq_ref");
        }
        return seen;
    }

    /** {@code blk_mq_find_and_get_req(tags, bitnr)}: {@code rqs[bitnr]} with a reference, or null. */
    private Request findAndGetReq(int tag) {
        boolean locked = variant == Variant.CLEAR_STALE_UNDER_LOCK;
        boolean flags = locked && lock.lockIrqsave();
        try {
            Request rq = (Request) RQS.getAcquire(rqs, tag);
            if (rq == null || !rq.refcountIncNotZero("bt_tags_iter")) {
                return null;
            }
            return rq;
        } finally {
            if (locked) {
                lock.unlockIrqrestore(flags);
            }
        }
    }

    /**
     * {@code blk_mq_clear_rq_mapping(drv_tags, tags)}: every {@code rqs[]} entry that points into
     * {@code pool} becomes NULL unless a getter replaced it meanwhile ({@code cmpxchg}); then an
     * empty {@code tags->lock} section waits for iterators that read an old entry.
     */
    void clearRqMapping(RequestPool pool) {
        for (int tag = 0; tag < nrTags; tag++) {
            Request rq = (Request) RQS.getAcquire(rqs, tag);
            if (pool.contains(rq)) {
                RQS.compareAndSet(rqs, tag, rq, null);
            }
        }
        boolean flags = lock.lockIrqsave();
        lock.unlockIrqrestore(flags);
    }

    private void checkTag(int tag) {
        if (tag < 0 || tag >= nrTags) {
            throw new IllegalArgumentException("tag " + tag + " outside 0.." + (nrTags - 1));
        }
    }
}
