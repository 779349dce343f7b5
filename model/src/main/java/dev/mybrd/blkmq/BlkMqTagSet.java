package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;

/**
 * {@code struct blk_mq_tag_set} and {@code blk_mq_alloc_tag_set} (v4.4 {@code block/blk-mq.c}): the
 * driver's description of its hardware ({@code nr_hw_queues}, {@code queue_depth},
 * {@code reserved_tags}, {@code cmd_size}, {@code flags}) and, for every hardware queue {@code i},
 * {@code tags[i]}: a tag map of {@code queue_depth} tags (the first {@code reserved_tags} reserved)
 * with {@code rqs[]} holding one preallocated request per tag, each with its {@code cmd_size} PDU
 * ({@code blk_mq_init_rq_map}). A tag number is the request's identity on its hardware queue.
 *
 * <p>Bad input is {@code -EINVAL} with nothing allocated, as {@code blk_mq_alloc_tag_set} answers:
 * no hardware queue, a depth outside {@code 1..BLK_MQ_MAX_DEPTH}, too few normal tags. (v4.4 also
 * retries with half the depth when memory runs out; the model never runs out.)
 */
public final class BlkMqTagSet {
    /** {@code BLK_MQ_F_SHOULD_MERGE}. */
    public static final int BLK_MQ_F_SHOULD_MERGE = 1;

    private final int nrHwQueues;
    private final int queueDepth;
    private final int reservedTags;
    private final int cmdSize;
    private final int flags;
    private final BlkMqTags[] tags;

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
        this.flags = flags;
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

    /** {@code set->tags[i]}. */
    public BlkMqTags tags(int i) {
        return tags[i];
    }
}
