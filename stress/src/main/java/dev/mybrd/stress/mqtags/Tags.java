package dev.mybrd.stress.mqtags;

import dev.mybrd.blkmq.AllocPolicy;
import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.blkmq.BlkMqTags;
import dev.mybrd.blkmq.FixedQueueMap;
import dev.mybrd.blkmq.TagBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.Set;

/**
 * Plumbing shared by the tag checks: a 2-CPU machine with one hardware queue over a map of
 * {@code depth} tags, every hint 0, and the kernel calls as tasks on a CPU. Not a test.
 */
final class Tags {
    /** An outcome value for a run the model stopped with a {@link KernelBug}. */
    static final int OOPS = -9;

    final Kernel kernel = new Kernel(2);
    final BlkMqTags tags;
    final FixedQueueMap q;

    Tags(int depth, TagBug bug) {
        this.tags = new BlkMqTags(kernel, depth, 0, AllocPolicy.FIFO, bug == null ? Set.of() : Set.of(bug));
        this.q = FixedQueueMap.single(kernel, tags);
    }

    /** Takes tag 0 before the race (outside any actor), so the map of depth 1 is full. */
    Tags full() {
        kernel.runOn(0, "setup", () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, false);
            BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
        });
        return this;
    }

    /** {@code blk_mq_get_ctx}, {@code blk_mq_get_tag} without sleeping, {@code blk_mq_put_ctx}; the tag or -1. */
    static int getNoWait(Tags t, BlkMqAllocData data) {
        int tag = guarded(() -> BlkMqTagAlloc.getTag(data));
        t.q.putCtx(data.ctx());
        return tag;
    }

    /** {@code blk_mq_put_tag(hctx, tag, &ctx->last_tag)} on the current CPU. */
    void put(int tag) {
        BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(kernel.smpProcessorId()));
    }

    static int guarded(java.util.function.IntSupplier body) {
        try {
            return body.getAsInt();
        } catch (KernelBug e) {
            return OOPS;
        }
    }
}
