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
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * P16, a task sleeping in {@code bt_get} gets a tag: blocking {@code blk_mq_get_tag} against
 * {@code blk_mq_put_tag} and {@code blk_mq_tag_update_depth} on a map allocated for 2 tags and set
 * to depth 1 (so {@code wake_cnt} is 1 and one free or a depth change must wake a sleeper). Tasks
 * really sleep: {@code io_schedule()} parks the thread until {@code try_to_wake_up} sets the task
 * running, and parks again after any other return. A lost wake-up leaves a task parked for ever, and
 * Lincheck reports the execution as hung, with the interleaving.
 *
 * <p>Results are constants ({@link SleepingTagsSpec}); the property is that every operation returns.
 * Model checking is sequentially consistent, so it cannot show a missing barrier
 * ({@link TagBug#CLEAR_TAG_NO_BARRIER}, {@link TagBug#WAKEUP_ALL_NO_BARRIER}); those are jcstress's.
 */
public class SleepingTags {
    protected final Kernel kernel = new Kernel(4);
    private final BlkMqTags tags = new BlkMqTags(kernel, 2, 0, AllocPolicy.FIFO, bugs());
    private final FixedQueueMap q = FixedQueueMap.single(kernel, tags);
    @SuppressWarnings("unchecked")
    private final Deque<Integer>[] held = new Deque[4];

    public SleepingTags() {
        for (int i = 0; i < held.length; i++) {
            held[i] = new ArrayDeque<>();
        }
        tags.updateDepth(1);
    }

    /** The seeded bugs; none in the model under check. */
    protected Set<TagBug> bugs() {
        return Set.of();
    }

    /** {@code blk_mq_get_tag} that may sleep, as a task on {@code cpu}: 1 once it has a tag. */
    @Operation
    public int getBlocking(int cpu) {
        return kernel.runOn(cpu, "alloc" + cpu, () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, true, false);
            int tag = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            if (tag == BlkMqTags.BLK_MQ_TAG_FAIL) {
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
            BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(cpu));
            return 1;
        });
    }

    /** {@code blk_mq_tag_update_depth(tags, 2)}: the map grows to 2 tags; 0. */
    @Operation
    public int grow(int cpu) {
        return kernel.runOn(cpu, "resize" + cpu, () -> tags.updateDepth(2));
    }
}
