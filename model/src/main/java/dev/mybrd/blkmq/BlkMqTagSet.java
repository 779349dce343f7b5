package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct blk_mq_tag_set} and {@code blk_mq_alloc_tag_set} (v4.4 {@code block/blk-mq.c}): the
 * driver's description of its hardware ({@code nr_hw_queues}, {@code queue_depth},
 * {@code reserved_tags}, {@code cmd_size}, {@code flags}) and, for every hardware queue {@code i},
 * {@code tags[i]}: a tag map of {@code queue_depth} tags (the first {@code reserved_tags} reserved)
 * with {@code rqs[]} holding one preallocated request per tag, each with its {@code cmd_size} PDU
 * ({@code blk_mq_init_rq_map}). A tag number is the request's identity on its hardware queue.
 *
 * <p><b>Sharing</b> (v4.4, {@code blk_mq_add_queue_tag_set}, {@code blk_mq_del_queue_tag_set}): every
 * request queue built on the set ({@code blk_mq_init_queue(set)}) is on {@code tag_list}, under
 * {@code tag_list_lock}. While two or more are, the set carries {@code BLK_MQ_F_TAG_SHARED} and so does
 * every hardware queue of every one of them; their hardware queue {@code i} all draw from
 * {@code tags[i]}, and {@code hctx_may_queue} divides its depth among the active ones
 * ({@link HctxTagState}). Which queue is where is kept by {@link BlkMqQueue}; the set only holds the
 * list. (mybrd has one disk per module; null_blk's {@code shared_tags} parameter, which builds
 * {@code nr_devices} disks on one set, came in v5.x: the model's {@code MyBrd.sharedTagSet} plays it.)
 *
 * <p>Bad input is {@code -EINVAL} with nothing allocated, as {@code blk_mq_alloc_tag_set} answers:
 * no hardware queue, a depth outside {@code 1..BLK_MQ_MAX_DEPTH}, too few normal tags. (v4.4 also
 * retries with half the depth when memory runs out; the model never runs out.)
 */
public final class BlkMqTagSet {
    /** {@code BLK_MQ_F_SHOULD_MERGE}. */
    public static final int BLK_MQ_F_SHOULD_MERGE = 1;
    /** {@code BLK_MQ_F_TAG_SHARED}: more than one request queue uses this set. */
    public static final int BLK_MQ_F_TAG_SHARED = 1 << 1;

    /**
     * What {@code blk_mq_del_queue_tag_set} does to the queue left alone: v4.4 clears its
     * {@code BLK_MQ_F_TAG_SHARED} and nothing else, so if that queue was active it stays counted in
     * {@code active_queues} for good (its later {@code blk_mq_tag_idle} sees no flag and returns);
     * 454bb6775202 "blk-mq: clear active_queues before clearing BLK_MQ_F_TAG_QUEUE_SHARED" (Yu Kuai,
     * v5.14) idles it first.
     */
    public enum Unshare {
        /** v4.4: the flag is cleared, {@code TAG_ACTIVE} and {@code active_queues} left as they are. */
        V4_4,
        /** 454bb6775202: {@code blk_mq_tag_idle(hctx)} before the flag is cleared. */
        IDLE_BEFORE_CLEAR
    }

    private final int nrHwQueues;
    private final int queueDepth;
    private final int reservedTags;
    private final int cmdSize;
    /** {@code set->flags}: {@code BLK_MQ_F_TAG_SHARED} changes under {@code tag_list_lock}. */
    private volatile int flags;
    private final BlkMqTags[] tags;
    /**
     * {@code set->tag_list}; its monitor is {@code set->tag_list_lock}. (A mutex in v4.4; the model's
     * probe code, {@code blk_mq_init_queue}, may run outside any task, where the model's
     * {@link dev.mybrd.locking.Mutex} cannot be taken. Nothing holds it for long: the one sleep under
     * it, freezing the other queues, only waits for their requests to end.)
     */
    final List<BlkMqQueue> tagList = new ArrayList<>();
    private volatile Unshare unshare = Unshare.V4_4;

    /** {@code blk_mq_alloc_tag_set(set)}. */
    public BlkMqTagSet(Kernel kernel, int nrHwQueues, int queueDepth, int reservedTags, int cmdSize, int flags) {
        if (kernel == null) {
            throw new IllegalArgumentException("blk_mq_alloc_tag_set needs a kernel");
        }
        if (nrHwQueues < 1) {
            throw new IllegalArgumentException("-EINVAL: nr_hw_queues must be >= 1, got " + nrHwQueues);
        }
        if (queueDepth < 1 || queueDepth > BlkMqTags.BLK_MQ_MAX_DEPTH) {
            throw new IllegalArgumentException("-EINVAL: queue_depth " + queueDepth + " outside 1.."
                    + BlkMqTags.BLK_MQ_MAX_DEPTH);
        }
        if (reservedTags < 0 || queueDepth < reservedTags + BlkMqTags.BLK_MQ_TAG_MIN) {
            throw new IllegalArgumentException("-EINVAL: queue_depth " + queueDepth + " leaves no normal tag beside "
                    + reservedTags + " reserved");
        }
        if (cmdSize < 0) {
            throw new IllegalArgumentException("-EINVAL: cmd_size must be >= 0, got " + cmdSize);
        }
        this.nrHwQueues = nrHwQueues;
        this.queueDepth = queueDepth;
        this.reservedTags = reservedTags;
        this.cmdSize = cmdSize;
        this.flags = flags & ~BLK_MQ_F_TAG_SHARED; // the driver does not set it; sharing does
        this.tags = new BlkMqTags[nrHwQueues];
        for (int i = 0; i < nrHwQueues; i++) {
            tags[i] = initRqMap(kernel);
        }
    }

    /** {@code blk_mq_init_rq_map(set, hctx_idx)}: the tag map and its preallocated requests. */
    private BlkMqTags initRqMap(Kernel kernel) {
        BlkMqTags t = new BlkMqTags(kernel, queueDepth, reservedTags);
        for (int tag = 0; tag < queueDepth; tag++) {
            t.setRq(tag, new BlkMqRequest(tag, cmdSize));
        }
        return t;
    }

    public int nrHwQueues() {
        return nrHwQueues;
    }

    public int queueDepth() {
        return queueDepth;
    }

    public int reservedTags() {
        return reservedTags;
    }

    public int cmdSize() {
        return cmdSize;
    }

    public int flags() {
        return flags;
    }

    /** Sets or clears {@code BLK_MQ_F_TAG_SHARED}; {@code tag_list_lock} held. */
    void setShared(boolean shared) {
        flags = shared ? flags | BLK_MQ_F_TAG_SHARED : flags & ~BLK_MQ_F_TAG_SHARED;
    }

    /** {@code set->flags & BLK_MQ_F_TAG_SHARED}. */
    public boolean shared() {
        return (flags & BLK_MQ_F_TAG_SHARED) != 0;
    }

    /** Selects what unsharing does ({@link Unshare}); v4.4's by default. */
    public BlkMqTagSet withUnshare(Unshare u) {
        if (u == null) {
            throw new IllegalArgumentException("-EINVAL: no unshare variant");
        }
        this.unshare = u;
        return this;
    }

    public Unshare unshare() {
        return unshare;
    }

    /** Selects, for every tag map of the set, what a sleeper that migrates does ({@link BlkMqTags.MigrationWake}). */
    public BlkMqTagSet withMigrationWake(BlkMqTags.MigrationWake variant) {
        if (variant == null) {
            throw new IllegalArgumentException("-EINVAL: no migration wake-up variant");
        }
        for (BlkMqTags t : tags) {
            t.withMigrationWake(variant);
        }
        return this;
    }

    /** The queues on {@code tag_list} now (a snapshot). */
    public List<BlkMqQueue> queues() {
        synchronized (tagList) {
            return List.copyOf(tagList);
        }
    }

    /** {@code set->tags[i]}. */
    public BlkMqTags tags(int i) {
        return tags[i];
    }
}
