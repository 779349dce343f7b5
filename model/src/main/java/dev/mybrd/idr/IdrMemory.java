package dev.mybrd.idr;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the IDA's memory comes from: {@code kmem_cache_zalloc(idr_layer_cache)} for layers and
 * {@code kmalloc} for leaf bitmaps, with their frees, under a budget of objects so that a test can
 * make an allocation fail ({@code -ENOMEM}) as a machine short of memory would.
 *
 * <p>An allocation with a blocking mask calls {@code might_sleep()} first, as the slab allocator's
 * {@code slab_pre_alloc_hook} does. A {@code kmalloc}'d bitmap is filled with {@code POISON_INUSE}
 * (0x5a, {@code include/linux/poison.h}, slab debugging), so code that uses one without clearing it
 * sees garbage rather than Java's zeros. Layers come zeroed, as {@code kmem_cache_zalloc} returns them.
 */
public final class IdrMemory {
    /** {@code POISON_INUSE} in every byte of a long. */
    static final long POISON_INUSE = 0x5a5a5a5a5a5a5a5aL;

    private final Kernel kernel;
    private final IdrGeometry geometry;
    private final long limit;
    private final AtomicLong inUse = new AtomicLong();

    /** An allocator that hands out at most {@code limit} objects (layers plus bitmaps) at a time. */
    public IdrMemory(Kernel kernel, IdrGeometry geometry, long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("object limit must be >= 0, got " + limit);
        }
        this.kernel = kernel;
        this.geometry = geometry;
        this.limit = limit;
    }

    /** {@code kmem_cache_zalloc(idr_layer_cache, gfp)}: a zeroed layer, or null past the budget. */
    IdrLayer allocLayer(int gfp) {
        return take(gfp, "kmem_cache_zalloc(idr_layer_cache)") ? new IdrLayer(geometry) : null;
    }

    /** {@code kmem_cache_free(idr_layer_cache, p)}; also the deferred free of {@code free_layer}. */
    void freeLayer(IdrLayer p) {
        if (p != null) {
            inUse.decrementAndGet();
        }
    }

    /** {@code kmalloc(sizeof(struct ida_bitmap), gfp)}: a poisoned bitmap, or null past the budget. */
    IdaBitmap allocBitmap(int gfp) {
        if (!take(gfp, "kmalloc(sizeof(struct ida_bitmap))")) {
            return null;
        }
        IdaBitmap b = new IdaBitmap(geometry);
        b.nrBusy = POISON_INUSE;
        Arrays.fill(b.bitmap, POISON_INUSE);
        return b;
    }

    /** {@code kfree(bitmap)}; {@code kfree(NULL)} does nothing. */
    void freeBitmap(IdaBitmap b) {
        if (b != null) {
            inUse.decrementAndGet();
        }
    }

    /** Objects allocated and not yet freed (layers in the tree or on free lists, bitmaps in use or spare). */
    public long inUse() {
        return inUse.get();
    }

    private boolean take(int gfp, String what) {
        if (Gfp.allowsBlocking(gfp)) {
            kernel.mightSleep(what);
        }
        if (inUse.incrementAndGet() > limit) {
            inUse.decrementAndGet();
            return false;
        }
        return true;
    }
}
