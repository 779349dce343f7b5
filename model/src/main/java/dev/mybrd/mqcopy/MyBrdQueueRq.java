package dev.mybrd.mqcopy;

import dev.mybrd.kcsan.Kcsan;

/**
 * How {@code mybrd_queue_rq} (mybrd {@code master}, mq-mode) reaches the device: the line
 * {@code *mybrd = *(sw_queue->mybrd);} copies the whole live {@code struct mybrd_device} into the
 * request's pdu (sized {@code sizeof(struct mybrd_device)} by {@code tag_set.cmd_size}) with no lock,
 * "for test", and then prints {@code nr_hw_queues} and {@code queue_depth} from the copy.
 *
 * <p>The copy is a plain {@code memcpy}: it reads {@code mybrd_lock}'s word, which another CPU's
 * {@code mybrd_insert_page} changes by taking and releasing the lock, and the page tree's root, which
 * that insert changes under the lock when the tree grows. That is a data race (spec 2.8 item 8), and
 * the copy also captures lock state: a copy taken while the lock is held holds a "held" lock nobody
 * will release. It is harmless in mybrd only because nothing uses the copy's lock or tree; a race
 * detector flags it all the same ({@link Kcsan}).
 *
 * <p>{@link Variant#USE_POINTER} is what the copy should have been: use {@code sw_queue->mybrd}
 * itself and read the two fields that were set before the queue went live, as null_blk's
 * {@code null_queue_rq} uses {@code hctx->driver_data}. No write races with those reads.
 */
public final class MyBrdQueueRq {
    /** Which {@code mybrd_queue_rq}. */
    public enum Variant {
        /** mybrd master: {@code *mybrd = *(sw_queue->mybrd)}, a plain copy of the live struct. */
        COPY_STRUCT,
        /** The pointer itself, reading only fields fixed before the queue went live. */
        USE_POINTER
    }

    /** The copy of {@code struct mybrd_device} in the request's pdu, for the reports. */
    public record PduCopy(boolean mybrdLockHeld, boolean queueLockHeld, int pagesHeight, int pagesRnode,
                          int queueDepth, int nrHwQueues) {
    }

    private final MyBrdDevice mybrd;
    private final Variant variant;

    public MyBrdQueueRq(MyBrdDevice mybrd, Variant variant) {
        if (mybrd == null || variant == null) {
            throw new IllegalArgumentException("queue_rq needs a device and a variant");
        }
        this.mybrd = mybrd;
        this.variant = variant;
    }

    /**
     * The device part of {@code mybrd_queue_rq}: returns the {@code queue_depth} it prints (the
     * request itself is handled as in {@code MyBrdMqMode}; only the device access is modelled here).
     */
    public int queueRq() {
        if (variant == Variant.COPY_STRUCT) {
            return memcpy().queueDepth();
        }
        Kcsan k = mybrd.kcsan();
        int nr = k.readPlain(mybrd, "nr_hw_queues", "mybrd_queue_rq", () -> mybrd.nrHwQueues);
        int depth = k.readPlain(mybrd, "queue_depth", "mybrd_queue_rq", () -> mybrd.queueDepth);
        return nr > 0 ? depth : 0;
    }

    /** {@code *mybrd = *(sw_queue->mybrd)}: every field in declaration order, plain reads. */
    PduCopy memcpy() {
        Kcsan k = mybrd.kcsan();
        String fn = "mybrd_queue_rq";
        boolean lockHeld = k.readPlain(mybrd, "mybrd_lock", fn, mybrd.mybrdLock::isLocked);
        boolean qlockHeld = k.readPlain(mybrd, "mybrd_queue_lock", fn, mybrd.mybrdQueueLock::isLocked);
        int height = k.readPlain(mybrd, "mybrd_pages.height", fn, () -> mybrd.pagesHeight);
        int rnode = k.readPlain(mybrd, "mybrd_pages.rnode", fn, () -> mybrd.pagesRnode);
        int depth = k.readPlain(mybrd, "queue_depth", fn, () -> mybrd.queueDepth);
        int nr = k.readPlain(mybrd, "nr_hw_queues", fn, () -> mybrd.nrHwQueues);
        return new PduCopy(lockHeld, qlockHeld, height, rnode, depth, nr);
    }
}
