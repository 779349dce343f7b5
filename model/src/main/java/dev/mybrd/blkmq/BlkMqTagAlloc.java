package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.sched.WaitQueueEntry;

/**
 * Getting and putting a tag: {@code blk_mq_get_tag}, {@code bt_get} and {@code blk_mq_put_tag} of
 * v4.4's {@code block/blk-mq-tag.c}, and the tag half of {@code __blk_mq_alloc_request} /
 * {@code __blk_mq_free_request} ({@code block/blk-mq.c}). Spec 3.10.
 *
 * <p><b>Getting</b> ({@code bt_get}). Try {@code __bt_get}. If that fails and the caller may not
 * sleep, fail. Otherwise pick a wait state ({@code bt_wait_ptr}) and loop: queue on it
 * ({@code prepare_to_wait}, non-exclusive, {@code TASK_UNINTERRUPTIBLE}; its
 * {@code set_current_state} is the full barrier that pairs with {@code bt_clear_tag}'s
 * {@code smp_mb()}); retry; run the hardware queue, which may complete requests (not for reserved
 * tags, where {@code hctx} is NULL); retry; give the software context back and {@code io_schedule()}.
 * After a wake-up the task may be on another CPU, so it takes that CPU's context and hardware queue,
 * and with them possibly another map, before it leaves the old wait state and picks a new one.
 * That wake-up came from a batch of frees on the old map; v4.4 spends it on a task that leaves, and
 * the waiters still queued there may never be woken (KR-03). The fix, e6fc46498784 (v4.18), is the
 * {@link BlkMqTags.MigrationWake#WAKE_PREVIOUS} variant: on a change of map, one more wake-up on the
 * old one, as if a tag had been freed there.
 * <em>Register, then retry, then sleep</em>: a free that comes after the registration finds the
 * sleeper through {@code waitqueue_active}, and a free before it is seen by the retry.
 *
 * <p><b>Putting</b> ({@code blk_mq_put_tag}): clear the bit with {@code bt_clear_tag} (which wakes a
 * batch) and, FIFO policy, make the tag the hint of the request's own software queue context.
 *
 * <p><b>Bounded.</b> {@code io_schedule()} is the model's {@link Kernel#schedule()}; a lost wake-up
 * ends, after the hung-task bound, as a {@link dev.mybrd.kernel.HungTaskBug} naming the wait state,
 * with the entry unlinked and the software context left released.
 */
public final class BlkMqTagAlloc {
    private BlkMqTagAlloc() {
    }

    /**
     * {@code blk_mq_get_tag(data)}: a normal tag in {@code [nr_reserved, nr_tags)} of
     * {@code data->hctx->tags} or a reserved one in {@code [0, nr_reserved)}, or
     * {@link BlkMqTags#BLK_MQ_TAG_FAIL}. May sleep if {@code data.mayBlock()}; on return
     * {@code data.ctx()} and {@code data.hctx()} are the contexts the tag belongs to.
     */
    public static int getTag(BlkMqAllocData data) {
        if (!data.reserved()) {
            return getNormalTag(data);
        }
        return getReservedTag(data);
    }

    /** {@code __blk_mq_get_tag(data)}. */
    private static int getNormalTag(BlkMqAllocData data) {
        BlkMqTags tags = data.hctx.tags();
        int tag = btGet(data, tags.bitmapTags(), data.hctx, data.ctx, tags);
        if (tag >= 0) {
            return tag + data.hctx.tags().nrReservedTags();
        }
        return BlkMqTags.BLK_MQ_TAG_FAIL;
    }

    /** {@code __blk_mq_get_reserved_tag(data)}: the hint is a local 0, and there is no hctx to run. */
    private static int getReservedTag(BlkMqAllocData data) {
        BlkMqTags tags = data.hctx.tags();
        if (tags.nrReservedTags() == 0) {
            tags.kernel().printk("WARNING: __blk_mq_get_reserved_tag: no reserved tags (WARN_ON_ONCE)");
            return BlkMqTags.BLK_MQ_TAG_FAIL;
        }
        CtxLastTag zero = new CtxLastTag(-1, 0);
        int tag = btGet(data, tags.breservedTags(), null, zero, tags);
        return tag < 0 ? BlkMqTags.BLK_MQ_TAG_FAIL : tag;
    }

    /** {@code bt_get(data, bt, hctx, last_tag, tags)}: a bit number of {@code bt}'s final value, or -1. */
    private static int btGet(BlkMqAllocData data, BlkMqBitmapTags bt, HctxTagState hctx, CtxLastTag lastTag,
                             BlkMqTags tags) {
        AllocPolicy policy = tags.allocPolicy();
        int tag = bt.btGetNoWait(hctx, lastTag, policy);
        if (tag != -1) {
            return tag;
        }
        if (!data.mayBlock()) {
            return -1;
        }
        boolean retryBeforePrepare = tags.bug(TagBug.RETRY_BEFORE_PREPARE);
        Kernel kernel = data.q().kernel();
        Task current = kernel.current();
        WaitQueueEntry wait = WaitQueueEntry.defineWait(kernel);
        BtWaitState ws = bt.btWaitPtr(hctx);
        String outer = current.blockedOn();
        boolean finished = false;
        try {
            for (;;) {
                current.setBlockedOn("bt_get on " + ws);
                if (!retryBeforePrepare) {
                    ws.waitQueue().prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE);
                }
                tag = bt.btGetNoWait(hctx, lastTag, policy);
                if (tag != -1) {
                    break;
                }
                if (hctx != null) {
                    data.q().runHwQueue(hctx);
                }
                tag = bt.btGetNoWait(hctx, lastTag, policy);
                if (tag != -1) {
                    break;
                }
                if (retryBeforePrepare) {
                    ws.waitQueue().prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE); // seeded: after the last retry
                }
                data.q().putCtx(data.ctx);
                BlkMqBitmapTags btPrev = bt;
                boolean wakePrev = data.hctx.tags().migrationWake() == BlkMqTags.MigrationWake.WAKE_PREVIOUS;
                kernel.schedule(); // io_schedule()
                data.ctx = data.q().getCtx();
                if (data.q().remapAfterSleep()) {
                    data.hctx = data.q().mapQueue(data.ctx.cpu());
                } // else seeded: the hctx (and map) slept on, whatever CPU the task woke up on
                if (data.reserved()) {
                    bt = data.hctx.tags().breservedTags();
                } else {
                    lastTag = data.ctx;
                    hctx = data.hctx;
                    bt = hctx.tags().bitmapTags();
                }
                ws.waitQueue().finishWait(wait);
                if (wakePrev && bt != btPrev) {
                    btPrev.btWakeUp(); // e6fc46498784: pass on the wake-up this task spent on the old map
                }
                ws = bt.btWaitPtr(hctx);
            }
            finished = true;
            ws.waitQueue().finishWait(wait);
            return tag;
        } finally {
            if (!finished) {
                ws.waitQueue().finishWait(wait); // a model report (hung task) left the loop
            }
            current.setBlockedOn(outer);
        }
    }

    /**
     * {@code bt_get}'s first turn, up to the point where it would call {@code io_schedule()}, for
     * litmus tests that must not block: {@code __bt_get}; then {@code bt_wait_ptr},
     * {@code prepare_to_wait}, {@code __bt_get}, run the hardware queue, {@code __bt_get}. A normal
     * tag it got is returned as {@code blk_mq_get_tag} would (after {@code finish_wait}). Otherwise
     * -1, with the task left exactly as {@code io_schedule()} would find it: in
     * {@code TASK_UNINTERRUPTIBLE}, its entry queued. A free that comes later still wakes it through the
     * wait queue; if it is still asleep once every free is done, nobody will wake it (the lost wake-up
     * of P16). The caller holds the software context, as for {@link #getTag}.
     */
    public static int btGetUntilSchedule(BlkMqAllocData data) {
        HctxTagState hctx = data.hctx;
        BlkMqTags tags = hctx.tags();
        BlkMqBitmapTags bt = tags.bitmapTags();
        int tag = bt.btGetNoWait(hctx, data.ctx, tags.allocPolicy());
        if (tag != -1) {
            return tag + tags.nrReservedTags();
        }
        WaitQueueEntry wait = WaitQueueEntry.defineWait(data.q().kernel());
        BtWaitState ws = bt.btWaitPtr(hctx);
        ws.waitQueue().prepareToWait(wait, Task.TASK_UNINTERRUPTIBLE);
        tag = bt.btGetNoWait(hctx, data.ctx, tags.allocPolicy());
        if (tag == -1) {
            data.q().runHwQueue(hctx);
            tag = bt.btGetNoWait(hctx, data.ctx, tags.allocPolicy());
        }
        if (tag == -1) {
            return -1;
        }
        ws.waitQueue().finishWait(wait);
        return tag + tags.nrReservedTags();
    }

    /**
     * {@code blk_mq_put_tag(hctx, tag, last_tag)}: free {@code tag} of {@code hctx->tags}; under FIFO
     * policy a normal tag becomes {@code *last_tag}, the hint of the context the request was allocated
     * on. A tag outside the map is {@code BUG_ON}; a tag that is not held is a {@link KernelBug} too,
     * checked before anything changes (v4.4 clears the bit regardless and the double free shows up
     * later as two owners, spec 3.10 classic bug (b)).
     */
    public static void putTag(HctxTagState hctx, int tag, CtxLastTag lastTag) {
        BlkMqTags tags = hctx.tags();
        int nrReserved = tags.nrReservedTags();
        if (tag >= nrReserved) {
            int realTag = tag - nrReserved;
            BlkMqBitmapTags bt = tags.bitmapTags();
            bt.checkTag(realTag, "blk_mq_put_tag");
            checkHeld(bt, realTag, tag);
            bt.btClearTag(realTag);
            if (tags.allocPolicy() == AllocPolicy.FIFO) {
                lastTag.set(realTag);
            }
        } else {
            BlkMqBitmapTags bt = tags.breservedTags();
            bt.checkTag(tag, "blk_mq_put_tag (reserved)");
            checkHeld(bt, tag, tag);
            bt.btClearTag(tag);
        }
    }

    private static void checkHeld(BlkMqBitmapTags bt, int bit, int tag) {
        KernelBug.bugOn(!bt.testTag(bit), () -> "blk_mq_put_tag: tag " + tag + " is not in use (double free) in " + bt);
    }

    // ---- the tag half of request allocation ------------------------------------------------------------

    /** A request's tag as {@code __blk_mq_alloc_request} leaves it: the tag, where it came from, its request. */
    public record RequestTag(int tag, HctxTagState hctx, CtxLastTag ctx, boolean inflight, Object rq) {
    }

    /**
     * The tag half of {@code __blk_mq_alloc_request(data, rw)}: {@code blk_mq_get_tag}; then
     * {@code rq = tags->rqs[tag]} and, if the map is shared, {@code blk_mq_tag_busy} and
     * {@code nr_active++} ({@code REQ_MQ_INFLIGHT}). Null if no tag.
     */
    public static RequestTag allocRequestTag(BlkMqAllocData data) {
        int tag = getTag(data);
        if (tag == BlkMqTags.BLK_MQ_TAG_FAIL) {
            return null;
        }
        HctxTagState hctx = data.hctx;
        Object rq = hctx.tags().tagToRq(tag);
        boolean inflight = false;
        if (hctx.tagBusy()) {
            inflight = true;
            hctx.nrActiveInc();
        }
        return new RequestTag(tag, hctx, data.ctx, inflight, rq);
    }

    /**
     * The tag half of {@code __blk_mq_free_request(hctx, ctx, rq)}: {@code nr_active--} if the request
     * counted, then {@code blk_mq_put_tag(hctx, tag, &ctx->last_tag)}.
     */
    public static void freeRequestTag(RequestTag rt) {
        if (rt.inflight()) {
            rt.hctx().nrActiveDec();
        }
        putTag(rt.hctx(), rt.tag(), rt.ctx());
    }
}
