package dev.mybrd.lincheck.mqtags;

import dev.mybrd.blkmq.AllocPolicy;
import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.blkmq.BlkMqTags;
import dev.mybrd.blkmq.FixedQueueMap;
import dev.mybrd.blkmq.TagBug;
import dev.mybrd.kernel.Kernel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * P15, unique tags: non-blocking {@code blk_mq_get_tag} and {@code blk_mq_put_tag} on a map of
 * {@value #DEPTH} tags, one software queue context per CPU, every hint starting at 0 (so concurrent
 * allocators race for the same bit). Each operation is a task on its own CPU.
 *
 * <p>{@code get} returns 1 for a tag it owns alone, 0 for {@code BLK_MQ_TAG_FAIL}, and -1 if the tag
 * it was handed already has an owner ({@code rqs[tag]} in use twice: T1 broken). Ownership is kept in
 * an owner table beside the model: claimed after the model hands a tag out, dropped before the model
 * gets it back, so a correct map never shows -1. The sequential specification ({@link TagSetSpec}) is
 * a set with capacity {@value #DEPTH}: a get succeeds iff fewer than {@value #DEPTH} tags are held
 * (T2), never returns -1. Every get starts from hint 0, so a failed get reads the one word once and is
 * linearizable; after a put a context's hint moves, so the scenarios never get again after a put.
 */
public class TagSet {
    static final int DEPTH = 2;

    protected final Kernel kernel = new Kernel(4);
    private final BlkMqTags tags = new BlkMqTags(kernel, DEPTH, 0, AllocPolicy.FIFO, bugs());
    private final FixedQueueMap q = FixedQueueMap.single(kernel, tags);
    private final AtomicIntegerArray owner = new AtomicIntegerArray(DEPTH);
    @SuppressWarnings("unchecked")
    private final Deque<Integer>[] held = new Deque[4];

    public TagSet() {
        for (int i = 0; i < held.length; i++) {
            held[i] = new ArrayDeque<>();
        }
    }

    /** The seeded bugs; none in the model under check. */
    protected Set<TagBug> bugs() {
        return Set.of();
    }

    /** {@code blk_mq_get_tag} without sleeping, as a task on {@code cpu}. */
    @Operation
    public int get(int cpu) {
        return kernel.runOn(cpu, "alloc" + cpu, () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, false);
            int tag = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            if (tag == BlkMqTags.BLK_MQ_TAG_FAIL) {
                return 0;
            }
            if (tag < 0 || tag >= DEPTH || !owner.compareAndSet(tag, 0, cpu + 1)) {
                return -1;
            }
            held[cpu].push(tag);
            return 1;
        });
    }

    /** {@code blk_mq_put_tag} of the last tag {@code cpu} got: 1, or 0 if it holds none. */
    @Operation
    public int put(int cpu) {
        return kernel.runOn(cpu, "free" + cpu, () -> {
            Integer tag = held[cpu].poll();
            if (tag == null) {
                return 0;
            }
            owner.set(tag, 0);
            BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(cpu));
            return 1;
        });
    }
}
