package dev.mybrd.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitQueueEntry;
import java.util.Objects;

/**
 * {@code blk_mq_get_tag} and {@code blk_mq_put_tag} of the later kernels' {@code block/blk-mq-tag.c}
 * (v5.x/v6.x), over one hardware queue's {@link SbitmapQueue}: how a task that needs a tag waits.
 *
 * <p><b>Protocol.</b> Try {@code __blk_mq_get_tag}; on failure pick a wait queue ({@code bt_wait_ptr}:
 * round-robin over the hardware queue's {@code wait_index}) and loop: try again; queue yourself and
 * set {@code TASK_UNINTERRUPTIBLE} ({@code sbitmap_prepare_to_wait}, a full barrier); try once more,
 * so a free that came before the queueing is not missed; {@code io_schedule()}; on waking, leave the
 * queue ({@code sbitmap_finish_wait}) and pick the next one. The last try after queueing is the
 * waiter's half of the lost-wake-up rule; the freer's half is the barrier in
 * {@code sbitmap_queue_clear} before it looks for waiters. Omitted: the run of the hardware queue
 * before sleeping, reserved tags, {@code BLK_MQ_REQ_NOWAIT}, and the hctx switch after a migration
 * (KR-03).
 *
 * <p>The sleep is bounded by the model's hung-task bound, so a waiter no free will wake is reported
 * ({@link dev.mybrd.kernel.HungTaskBug}) or, under Lincheck, shows as a hung execution.
 */
public final class BlkMqGetTag {
    /** {@code BLK_MQ_NO_TAG}. */
    public static final int BLK_MQ_NO_TAG = -1;

    private final Kernel kernel;
    private final SbitmapQueue bt;
    /** {@code hctx->wait_index}. */
    private final SbitmapQueue.WaitIndex waitIndex = new SbitmapQueue.WaitIndex();

    public BlkMqGetTag(Kernel kernel, SbitmapQueue bt) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bt = Objects.requireNonNull(bt, "sbitmap_queue");
    }

    public SbitmapQueue bitmapTags() {
        return bt;
    }

    /** {@code blk_mq_get_tag(data)}: a tag, sleeping until one is free. May sleep. */
    public int getTag() {
        kernel.mightSleep("blk_mq_get_tag");
        int tag = bt.get();
        if (tag != BLK_MQ_NO_TAG) {
            return tag;
        }
        SbqWait wait = new SbqWait(WaitQueueEntry.defineWait(kernel));
        SbqWaitState ws = bt.waitPtr(waitIndex);
        while (true) {
            tag = bt.get();
            if (tag != BLK_MQ_NO_TAG) {
                break;
            }
            bt.prepareToWait(ws, wait, Task.TASK_UNINTERRUPTIBLE);
            tag = bt.get();
            if (tag != BLK_MQ_NO_TAG) {
                break;
            }
            kernel.current().setBlockedOn("a free tag, queued on sbq " + ws);
            kernel.schedule(); // io_schedule()
            kernel.current().setBlockedOn("");
            bt.finishWait(ws, wait);
            ws = bt.waitPtr(waitIndex);
        }
        bt.finishWait(ws, wait);
        return tag;
    }

    /** {@code blk_mq_put_tag(tags, ctx, tag)}: {@code sbitmap_queue_clear}. */
    public void putTag(int tag) {
        bt.clear(tag);
    }
}
