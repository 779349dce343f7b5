package dev.mybrd.blkmq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The tag field of a software queue context: {@code blk_mq_ctx->last_tag} of v4.4, the allocation
 * hint {@code __bt_get} starts from, together with the CPU the context belongs to
 * ({@code ctx->cpu}). A stand-in holder until the blk-mq model has its {@code BlkMqCtx}, which will
 * own one of these; the reserved path uses a throw-away one for the kernel's local {@code zero}.
 *
 * <p>The kernel reads and writes {@code last_tag} with plain accesses and no lock: allocators on the
 * context's CPU and, under FIFO policy, {@code blk_mq_put_tag} on whatever CPU completes a request of
 * this context. A lost update only costs a worse hint. Opaque here.
 */
public final class CtxLastTag {
    private static final VarHandle LAST_TAG;

    static {
        try {
            LAST_TAG = MethodHandles.lookup().findVarHandle(CtxLastTag.class, "lastTag", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int cpu;
    @SuppressWarnings("unused") private int lastTag;

    /** The context of CPU {@code cpu} (-1: none, the reserved path's local hint) with hint {@code lastTag}. */
    public CtxLastTag(int cpu, int lastTag) {
        if (lastTag < 0) {
            throw new IllegalArgumentException("last_tag is an unsigned tag number, got " + lastTag);
        }
        this.cpu = cpu;
        this.lastTag = lastTag;
    }

    /** {@code ctx->cpu}. */
    public int cpu() {
        return cpu;
    }

    /** {@code ctx->last_tag}. */
    public int get() {
        return (int) LAST_TAG.getOpaque(this);
    }

    void set(int tag) {
        LAST_TAG.setOpaque(this, tag);
    }

    @Override
    public String toString() {
        return "ctx" + cpu + "{last_tag=" + get() + "}";
    }
}
