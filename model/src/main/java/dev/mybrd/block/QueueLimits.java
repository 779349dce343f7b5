package dev.mybrd.block;

import dev.mybrd.mm.Page;

/**
 * {@code struct queue_limits} reduced to what the bio path checks: the logical block size, the
 * largest request, and whether discard is supported.
 *
 * @param logicalBlockSize {@code blk_queue_logical_block_size}: 512 (brd) or 4096 (mybrd)
 * @param maxHwSectors {@code blk_queue_max_hw_sectors}: mybrd sets 1024
 * @param discard {@code QUEUE_FLAG_DISCARD}
 */
public record QueueLimits(int logicalBlockSize, int maxHwSectors, boolean discard) {
    public QueueLimits {
        if (logicalBlockSize < Bio.SECTOR_SIZE || logicalBlockSize > Page.PAGE_SIZE
                || Integer.bitCount(logicalBlockSize) != 1) {
            throw new IllegalArgumentException("logical block size must be a power of two in 512..4096, got "
                    + logicalBlockSize);
        }
        if (maxHwSectors < logicalBlockSize >> Bio.SECTOR_SHIFT) {
            throw new IllegalArgumentException("max_hw_sectors " + maxHwSectors + " is below one logical block");
        }
    }
}
