package dev.mybrd.blkmq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The tag fields of a hardware queue context ({@code struct blk_mq_hw_ctx} of v4.4): its tag map
 * ({@code hctx->tags}), whether the map is shared with other queues ({@code BLK_MQ_F_TAG_SHARED}
 * in {@code hctx->flags}), the {@code BLK_MQ_S_TAG_ACTIVE} bit of {@code hctx->state}, the rotating
 * {@code wait_index} of {@code bt_wait_ptr} and {@code nr_active}, the tags this queue holds while the
 * map is shared. A stand-in holder until the blk-mq model has its {@code BlkMqHwCtx}, which will own
 * one of these.
 *
 * <p><b>Fair share</b> ({@code hctx_may_queue}, spec T6). When several request queues share one tag
 * map ({@code blk_mq_add_queue_tag_set} sets the flag on every hardware queue of every queue of the set
 * once a second queue joins, {@code blk_mq_del_queue_tag_set} clears it when one is left; both with the
 * queue frozen, so no allocation is in progress: {@link #setTagShared}), each queue that is busy marks itself active once ({@code __blk_mq_tag_busy}: the
 * {@code TAG_ACTIVE} bit, then {@code active_queues++}); an active queue may take a tag only while
 * {@code nr_active < max(ceil(depth / active_queues), 4)}. A queue that goes idle clears the bit,
 * decrements {@code active_queues} and wakes every sleeper, since the others' share just grew
 * ({@code __blk_mq_tag_idle}). A map of depth 1 is never divided.
 *
 * <p>Ordering: {@code state} bits by atomic bitops ({@code test_bit} opaque, {@code test_and_set_bit}
 * and {@code test_and_clear_bit} fully ordered); {@code nr_active} and {@code wait_index} are
 * {@code atomic_t} (reads opaque; {@code atomic_inc}/{@code atomic_dec} unordered RMWs;
 * {@code atomic_cmpxchg} fully ordered).
 */
public final class HctxTagState {
    /** {@code BLK_MQ_S_TAG_ACTIVE}: bit number in {@code hctx->state}. */
    public static final int BLK_MQ_S_TAG_ACTIVE = 1;

    private static final VarHandle STATE;
    private static final VarHandle WAIT_INDEX;
    private static final VarHandle NR_ACTIVE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(HctxTagState.class, "state", long.class);
            WAIT_INDEX = l.findVarHandle(HctxTagState.class, "waitIndex", int.class);
            NR_ACTIVE = l.findVarHandle(HctxTagState.class, "nrActive", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int queueNum;
    private final BlkMqTags tags;
    /**
     * {@code hctx->flags & BLK_MQ_F_TAG_SHARED}: plain, as in the kernel; written only with the queue
     * frozen, whose usage counter orders it before the next allocation ({@code blk_queue_enter}).
     */
    private boolean tagShared;
    @SuppressWarnings("unused") private long state;
    @SuppressWarnings("unused") private int waitIndex;
    @SuppressWarnings("unused") private int nrActive;

    /** Hardware queue {@code queueNum} using {@code tags}, shared with other queues if {@code tagShared}. */
    public HctxTagState(int queueNum, BlkMqTags tags, boolean tagShared) {
        this.queueNum = queueNum;
        this.tags = Objects.requireNonNull(tags, "tags");
        this.tagShared = tagShared;
    }

    /** {@code hctx->queue_num}. */
    public int queueNum() {
        return queueNum;
    }

    /** {@code hctx->tags}. */
    public BlkMqTags tags() {
        return tags;
    }

    /** {@code hctx->flags & BLK_MQ_F_TAG_SHARED}. */
    public boolean tagShared() {
        return tagShared;
    }

    /**
     * {@code queue_set_hctx_shared(q, shared)} for this hardware queue: set or clear
     * {@code BLK_MQ_F_TAG_SHARED}. v4.4 leaves {@code TAG_ACTIVE} and {@code active_queues} as they are
     * when the flag is cleared (see {@code BlkMqQueue}'s class comment, 454bb6775202).
     */
    public void setTagShared(boolean shared) {
        this.tagShared = shared;
    }

    /** {@code test_bit(BLK_MQ_S_TAG_ACTIVE, &hctx->state)}. */
    public boolean tagActive() {
        return ((long) STATE.getOpaque(this) & (1L << BLK_MQ_S_TAG_ACTIVE)) != 0;
    }

    /** {@code atomic_read(&hctx->nr_active)}. */
    public int nrActive() {
        return (int) NR_ACTIVE.getOpaque(this);
    }

    /** {@code atomic_read(&hctx->wait_index)}. */
    public int waitIndex() {
        return (int) WAIT_INDEX.getOpaque(this);
    }

    /** {@code bt_index_atomic_inc(&hctx->wait_index)}. */
    void waitIndexAtomicInc() {
        int old = waitIndex();
        WAIT_INDEX.compareAndSet(this, old, BlkMqBitmapTags.btIndexInc(old));
    }

    /**
     * {@code blk_mq_tag_busy(hctx)}: false unless the map is shared; then {@code __blk_mq_tag_busy}:
     * the first caller since the queue went idle sets {@code TAG_ACTIVE} and counts the queue in
     * {@code active_queues} (a {@code test_bit} first keeps the common case from dirtying the line).
     * True: the caller counts its request in {@code nr_active} ({@code REQ_MQ_INFLIGHT}).
     */
    public boolean tagBusy() {
        if (!tagShared) {
            return false;
        }
        long bit = 1L << BLK_MQ_S_TAG_ACTIVE;
        if (!tagActive() && ((long) STATE.getAndBitwiseOr(this, bit) & bit) == 0) {
            tags.activeQueuesInc();
        }
        return true;
    }

    /**
     * {@code blk_mq_tag_idle(hctx)}: nothing unless shared; then {@code __blk_mq_tag_idle}: if this
     * call cleared {@code TAG_ACTIVE}, {@code active_queues--} and wake every normal-tag sleeper.
     */
    public void tagIdle() {
        tagIdle(true);
    }

    /** {@link #tagIdle()}; {@code wakeAll} false is the seeded {@link MqBug#TAG_IDLE_NO_WAKE}. */
    void tagIdle(boolean wakeAll) {
        if (!tagShared) {
            return;
        }
        long bit = 1L << BLK_MQ_S_TAG_ACTIVE;
        if (((long) STATE.getAndBitwiseAnd(this, ~bit) & bit) == 0) {
            return;
        }
        tags.activeQueuesDec();
        if (wakeAll) {
            tags.wakeupAll(false);
        }
    }

    /** {@code atomic_inc(&hctx->nr_active)}: a request of this queue took a shared tag. */
    public void nrActiveInc() {
        NR_ACTIVE.getAndAddRelease(this, 1);
    }

    /** {@code atomic_dec(&hctx->nr_active)}: such a request was freed. */
    public void nrActiveDec() {
        NR_ACTIVE.getAndAddRelease(this, -1);
    }

    /**
     * {@code hctx_may_queue(hctx, bt)}: true unless the map is shared, this queue is active, the map
     * is deeper than 1, some queue is active, and this queue already holds its share,
     * {@code max(ceil(depth / users), 4)}.
     */
    boolean mayQueue(BlkMqBitmapTags bt) {
        if (!tagShared || !tagActive()) {
            return true;
        }
        int depth = bt.depth();
        if (depth == 1) {
            return true; // "don't try dividing an ant"
        }
        int users = tags.activeQueues();
        if (users == 0) {
            return true;
        }
        int share = Math.max((depth + users - 1) / users, 4);
        return nrActive() < share;
    }

    @Override
    public String toString() {
        return "hctx" + queueNum + "{" + (tagShared ? "shared, " : "") + (tagActive() ? "active, " : "")
                + "nr_active=" + nrActive() + ", wait_index=" + waitIndex() + "}";
    }
}
