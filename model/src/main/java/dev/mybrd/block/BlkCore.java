package dev.mybrd.block;

import dev.mybrd.kernel.Kernel;

/**
 * The submission entry of {@code block/blk-core.c}: {@code generic_make_request} and the checks it
 * makes before a bio reaches the driver ({@code generic_make_request_checks}).
 *
 * <p>A bio that fails a check is ended with an error here and the driver never sees it, so no
 * sector is touched. Checks and their answers:
 * <ul>
 *   <li>end beyond capacity: {@code -EIO}, "attempt to access beyond end of device" ({@code bio_check_eod});</li>
 *   <li>discard on a queue without discard support: {@code -EOPNOTSUPP};</li>
 *   <li>an empty flush on a queue without a write cache: ends with success at once;</li>
 *   <li>a data bio with no data, or a start or size that is not a multiple of the logical block
 *       size, or a segment that is not a whole number of sectors: {@code -EIO}. v4.4 relies on the layers above (the page cache, direct I/O's
 *       {@code -EINVAL}) never to build such a bio; the model checks here so a caller's mistake is
 *       answered with an error instead of a partial copy;</li>
 *   <li>a data bio larger than {@code max_hw_sectors}: {@code -EIO} (the kernel would split it with
 *       {@code blk_queue_split}, which the model does not have).</li>
 * </ul>
 */
public final class BlkCore {
    private BlkCore() {
    }

    /** {@code generic_make_request(bio)} to {@code disk}, in the submitter's context. */
    public static void genericMakeRequest(Kernel kernel, Gendisk disk, Bio bio) {
        if (bio == null) {
            throw new IllegalArgumentException("generic_make_request: bio is NULL");
        }
        if (bio.ended()) {
            throw new IllegalArgumentException("generic_make_request: " + bio + " has already ended");
        }
        String problem = checkBio(disk, bio);
        if (problem != null) {
            kernel.printk(disk.diskName() + ": " + problem + ": " + bio);
            bio.ioError();
            return;
        }
        if (bio.op() == ReqOp.DISCARD && !disk.queue().limits().discard()) {
            kernel.printk(disk.diskName() + ": discard not supported: " + bio);
            bio.endio(BlkStatus.NOTSUPP);
            return;
        }
        if (bio.op() == ReqOp.FLUSH && bio.size() == 0) {
            bio.endio(BlkStatus.OK);
            return;
        }
        disk.queue().makeRequestFn().makeRequest(disk.queue(), bio);
    }

    /** {@code generic_make_request_checks}: why the bio must not reach the driver, or null. */
    static String checkBio(Gendisk disk, Bio bio) {
        if (bio.endSector() > disk.capacity()) {
            return "attempt to access beyond end of device (want=" + bio.endSector()
                    + ", limit=" + disk.capacity() + ")";
        }
        if (!bio.op().hasData()) {
            return null;
        }
        QueueLimits limits = disk.queue().limits();
        int lbs = limits.logicalBlockSize();
        if (bio.size() == 0) {
            return "zero-length " + bio.op();
        }
        if ((bio.sector() << Bio.SECTOR_SHIFT) % lbs != 0 || bio.size() % lbs != 0) {
            return "I/O not aligned to the " + lbs + "-byte logical block size";
        }
        for (BioVec vec : bio.vecs()) {
            if (vec.len() % Bio.SECTOR_SIZE != 0) {
                return "segment of " + vec.len() + " bytes is not a multiple of " + Bio.SECTOR_SIZE;
            }
        }
        if (bio.sectors() > limits.maxHwSectors()) {
            return "bio of " + bio.sectors() + " sectors exceeds max_hw_sectors " + limits.maxHwSectors();
        }
        return null;
    }
}
