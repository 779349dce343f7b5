package dev.mybrd.lincheck.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sbitmap.BlkMqGetTag;
import dev.mybrd.sbitmap.Sbitmap;
import dev.mybrd.sbitmap.SbitmapQueue;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * Two tasks allocating a tag from a bitmap whose tags were all freed into {@code cleared} and not yet
 * moved back (KR-09's setup, at depth 2 instead of 64): {@code word} = {@code cleared} = all ones.
 * Each {@link #getTag} is {@code blk_mq_get_tag}, which sleeps when it finds no tag.
 *
 * <p>Property: two tags are free, so both allocations return. With the lockless
 * {@code sbitmap_deferred_clear} the second allocator can look between the first one's
 * {@code xchg(&cleared, 0)} and its {@code andnot} on {@code word}: the word is full, nothing is left
 * to move, and it sleeps; no free will come, so the execution hangs and Lincheck prints the
 * interleaving. Results are constants: the property is that both return.
 */
public abstract class TagGetters {
    private final Kernel kernel = new Kernel(2);
    private final SbitmapQueue sbq = new SbitmapQueue(kernel, 2, variant(), SbitmapQueue.WakeUp.COUNTERS);
    private final BlkMqGetTag tags = new BlkMqGetTag(kernel, sbq);

    protected TagGetters() {
        kernel.runOn(0, "setup", () -> {
            sbq.clear(sbq.get());
            sbq.clear(sbq.get());
        });
    }

    protected abstract Sbitmap.DeferredClear variant();

    /** {@code blk_mq_get_tag} on CPU {@code cpu}; 0 once it has a tag. */
    @Operation
    public int getTag(int cpu) {
        return kernel.runOn(cpu, "io" + cpu, () -> tags.getTag() >= 0 ? 0 : -1);
    }

    /** 661d4f55a794: lockless move of cleared bits. */
    public static class Lockless extends TagGetters {
        @Override
        protected Sbitmap.DeferredClear variant() {
            return Sbitmap.DeferredClear.LOCKLESS;
        }
    }

    /** 72d04bdcf3f7: swap_lock back, and retry when the word has a free bit. */
    public static class SwapLock extends TagGetters {
        @Override
        protected Sbitmap.DeferredClear variant() {
            return Sbitmap.DeferredClear.SWAP_LOCK;
        }
    }
}
