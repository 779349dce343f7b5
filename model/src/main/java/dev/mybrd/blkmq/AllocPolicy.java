package dev.mybrd.blkmq;

/**
 * The tag allocation policy of a tag set ({@code BLK_TAG_ALLOC_FIFO}, {@code BLK_TAG_ALLOC_RR} of
 * {@code include/linux/blkdev.h}, chosen with {@code BLK_MQ_F_ALLOC_POLICY} in v4.4).
 */
public enum AllocPolicy {
    /**
     * {@code BLK_TAG_ALLOC_FIFO}: the default. A freed tag becomes its request's software queue's
     * {@code last_tag} hint again (hot-tag reuse), the hint advances only when the hinted tag itself
     * was taken, and a word is searched from the hint and then wrapped from 0.
     */
    FIFO,
    /**
     * {@code BLK_TAG_ALLOC_RR}: round robin. The hint always advances past the tag just taken, a word
     * is not wrapped ({@code nowrap}), and {@code blk_mq_put_tag} leaves the hint alone.
     */
    RR
}
