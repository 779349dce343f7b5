package dev.mybrd.mqlife;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One queue's request pool: the requests {@code blk_mq_alloc_rqs} carves out of pages for a
 * {@code struct blk_mq_tags} ({@code tags->static_rqs[]}, the pages on {@code tags->page_list}). With an
 * I/O scheduler each queue has its own pool in {@code hctx->sched_tags}, while the driver tags
 * ({@link DriverTags}) are shared by every queue of the tag set and point, in {@code rqs[]}, at
 * whichever pool's request holds each driver tag.
 *
 * <p>{@link #freeRqs} is {@code blk_mq_free_rqs}: it runs when the queue goes away or switches
 * elevator, and gives the pages back; every request in them is marked freed for KASAN. What it does
 * first about the driver tags' pointers into the pool is the subject of race KR-15
 * ({@link DriverTags.Variant}).
 */
public final class RequestPool {
    private final String queue;
    private final List<Request> staticRqs;
    private volatile boolean pagesFreed;

    /** {@code blk_mq_alloc_rqs(set, tags, hctx_idx, depth)} for {@code queue}. */
    public RequestPool(String queue, int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("-EINVAL: a request pool needs a depth of at least 1, got " + depth);
        }
        this.queue = queue;
        List<Request> rqs = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            rqs.add(new Request(queue, i));
        }
        this.staticRqs = Collections.unmodifiableList(rqs);
    }

    /** {@code tags->static_rqs[internalTag]}. */
    public Request staticRq(int internalTag) {
        return staticRqs.get(internalTag);
    }

    /** Whether {@code rq} is carved from this pool's pages (the address range test). */
    public boolean contains(Request rq) {
        return rq != null && staticRqs.contains(rq);
    }

    /**
     * {@code blk_mq_free_rqs(set, tags, hctx_idx)}: before bd63141d585b, frees the pages at once; from
     * it on, first clears the driver tags' pointers into the pool and waits for iterators that hold
     * {@code drv_tags->lock} ({@code blk_mq_clear_rq_mapping}), then frees them.
     */
    public void freeRqs(DriverTags drvTags) {
        if (drvTags.variant() == DriverTags.Variant.CLEAR_STALE_UNDER_LOCK) {
            drvTags.clearRqMapping(this);
        }
        freePages();
    }

    /** The {@code __free_pages} loop over {@code tags->page_list}. */
    private void freePages() {
        if (pagesFreed) {
            throw new dev.mybrd.kernel.KernelBug("BUG: KASAN: double-free in blk_mq_free_rqs: pool of " + queue);
        }
        pagesFreed = true;
        staticRqs.forEach(Request::markFreed);
    }

    @Override
    public String toString() {
        return "pool of " + queue;
    }
}
