package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A request queue reduced to what tag allocation needs (a {@link BlkMqQueueMap}): one software queue
 * context per CPU and a fixed CPU-to-hardware-queue map, {@code mq_map[cpu] = cpu % nr_hw_queues}
 * (v4.4's {@code blk_mq_map_queues} spreads CPUs by topology; any fixed map serves the tag checks).
 * Running a hardware queue calls a hook, so a check can complete requests there, or count the runs.
 */
public final class FixedQueueMap implements BlkMqQueueMap {
    private final Kernel kernel;
    private final CtxLastTag[] ctxs;
    private final List<HctxTagState> hctxs;
    private final Consumer<HctxTagState> runHook;

    /**
     * Contexts for every CPU of {@code kernel}, each with hint {@code initialHint}, mapped round robin
     * onto {@code hctxs}; {@code runHook} is what {@code blk_mq_run_hw_queue} does (null: nothing).
     */
    public FixedQueueMap(Kernel kernel, List<HctxTagState> hctxs, int initialHint, Consumer<HctxTagState> runHook) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        if (hctxs.isEmpty()) {
            throw new IllegalArgumentException("a request queue needs at least one hardware queue");
        }
        this.hctxs = List.copyOf(hctxs);
        this.ctxs = new CtxLastTag[kernel.nrCpus()];
        for (int cpu = 0; cpu < ctxs.length; cpu++) {
            ctxs[cpu] = new CtxLastTag(cpu, initialHint);
        }
        this.runHook = runHook == null ? h -> { } : runHook;
    }

    /** One hardware queue over {@code tags}, not shared, hints 0, no run hook. */
    public static FixedQueueMap single(Kernel kernel, BlkMqTags tags) {
        return new FixedQueueMap(kernel, List.of(new HctxTagState(0, tags, false)), 0, null);
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    /** The context of CPU {@code cpu} ({@code per_cpu_ptr(q->queue_ctx, cpu)}). */
    public CtxLastTag ctx(int cpu) {
        return ctxs[kernel.cpu(cpu).id()];
    }

    /** Hardware queue {@code i}. */
    public HctxTagState hctx(int i) {
        return hctxs.get(i);
    }

    @Override
    public CtxLastTag getCtx() {
        return ctxs[kernel.getCpu()];
    }

    @Override
    public void putCtx(CtxLastTag ctx) {
        kernel.putCpu();
    }

    @Override
    public HctxTagState mapQueue(int cpu) {
        return hctxs.get(kernel.cpu(cpu).id() % hctxs.size());
    }

    @Override
    public void runHwQueue(HctxTagState hctx) {
        runHook.accept(hctx);
    }
}
