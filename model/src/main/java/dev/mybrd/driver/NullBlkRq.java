package dev.mybrd.driver;

import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkSoftirq;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * null_blk in {@code queue_mode=1} (request-mode) with {@code irqmode=1} (softirq), v4.4
 * ({@code drivers/block/null_blk.c}), reduced to its command pool: the part that carries the "lost
 * queue restart" race of spec section 4 (property P2). No data are stored: null_blk completes every
 * request with success.
 *
 * <p><b>Protocol.</b> Each request needs a command, one of {@code queue_depth} tags in a bitmap
 * ({@code alloc_cmd}: find a clear bit, {@code test_and_set_bit}). {@code null_rq_prep_fn} runs under
 * {@code queue_lock}; if no tag is free it stops the queue ({@code blk_stop_queue}) and answers
 * {@code BLKPREP_DEFER}, so the request stays at the head of the dispatch list. {@code request_fn}
 * fetches and calls {@code blk_complete_request}; the softirq's {@code null_softirq_done_fn} ends
 * the request ({@code end_cmd}) and must restart a stopped queue, because a tag is now free.
 *
 * <p><b>The race</b> ({@link Variant#V4_4}, the v4.4 order): {@code end_cmd} tests
 * {@code blk_queue_stopped(q)} without {@code queue_lock}, restarts only if it saw it stopped, and
 * only then frees the tag ({@code free_cmd}). If a submitter's prep fails to get a tag after the test
 * and stops the queue before the free, nobody restarts it: with no other command in flight the device
 * stalls, the deferred request never runs. {@link Variant#FREE_THEN_CHECK_LOCKED} frees the tag first
 * and tests under {@code queue_lock}, the order later kernels use: then either the prep finds the tag
 * or the completion finds the queue stopped.
 *
 * <p>{@code preemptionPoint} runs between the test and the free in {@code V4_4}, and between the free
 * and the locked test in the fixed variant: the place where another CPU may run. Checks use it to put
 * another CPU's submission exactly there; it is a no-op otherwise.
 */
public final class NullBlkRq {
    /** Where {@code end_cmd} frees the tag relative to the restart test. */
    public enum Variant {
        /** v4.4: unlocked test, restart, then free. Seeded as spec section 4's "lost restart". */
        V4_4,
        /** Free first, then test and restart under {@code queue_lock}. */
        FREE_THEN_CHECK_LOCKED
    }

    private final Kernel kernel;
    private final Variant variant;
    private final int queueDepth;
    private final AtomicLong tags = new AtomicLong();
    private final SpinLock lock;
    private final RequestQueue q;
    private volatile Runnable preemptionPoint = () -> { };

    public NullBlkRq(Kernel kernel, int queueDepth, Variant variant) {
        if (queueDepth < 1 || queueDepth > 64) {
            throw new IllegalArgumentException("hw_queue_depth must be in 1..64, got " + queueDepth + " (-EINVAL)");
        }
        this.kernel = kernel;
        this.variant = variant;
        this.queueDepth = queueDepth;
        this.lock = new SpinLock(kernel, "nullb->lock");
        this.q = RequestQueue.initQueue(kernel, this::requestFn, lock, new QueueLimits(512, 1024, true), this,
                null, Set.of());
        q.setPrepRqFn(this::prepRqFn);
        q.setSoftirqDoneFn(this::softirqDoneFn);
        BlkSoftirq.of(kernel);
    }

    public RequestQueue queue() {
        return q;
    }

    /** Sets what runs at the preemption point of {@code end_cmd} (see the class comment). */
    public void setPreemptionPoint(Runnable r) {
        preemptionPoint = r == null ? () -> { } : r;
    }

    /** Tags in use. */
    public int tagsInUse() {
        return Long.bitCount(tags.get());
    }

    /** {@code alloc_cmd(nq, 0)} → {@code get_tag}: a free tag, or -1. */
    private int getTag() {
        while (true) {
            long t = tags.get();
            int tag = Long.numberOfTrailingZeros(~t);
            if (tag >= queueDepth) {
                return -1;
            }
            if (tags.compareAndSet(t, t | (1L << tag))) {
                return tag;
            }
        }
    }

    /** {@code put_tag}: {@code clear_bit} (atomic; fully ordered here). */
    private void putTag(int tag) {
        tags.getAndUpdate(t -> t & ~(1L << tag));
    }

    /** {@code null_rq_prep_fn}: queue_lock held. */
    private RequestQueue.Prep prepRqFn(Request req) {
        int tag = getTag();
        if (tag >= 0) {
            req.setSpecial(tag);
            return RequestQueue.Prep.OK;
        }
        BlkDispatch.blkStopQueue(q);
        return RequestQueue.Prep.DEFER;
    }

    /** {@code null_request_fn}. */
    private void requestFn(RequestQueue rq) {
        Request req;
        while ((req = BlkDispatch.blkFetchRequest(q)) != null) {
            lock.unlockIrq();
            BlkSoftirq.blkCompleteRequest(req); // null_handle_cmd, irqmode=softirq
            lock.lockIrq();
        }
    }

    /** {@code null_softirq_done_fn} → {@code end_cmd(cmd)}. */
    private void softirqDoneFn(Request req) {
        int tag = (Integer) req.special();
        req.listDelInit();
        BlkEnd.blkEndRequestAll(req, 0);
        if (variant == Variant.V4_4) {
            if (q.stopped()) { // unlocked test
                restart();
            }
            preemptionPoint.run();
            putTag(tag); // free_cmd
        } else {
            putTag(tag);
            preemptionPoint.run();
            restart();
        }
    }

    /** {@code spin_lock_irqsave; if (blk_queue_stopped(q)) blk_start_queue(q); unlock}. */
    private void restart() {
        boolean flags = lock.lockIrqsave();
        try {
            if (q.stopped()) {
                BlkDispatch.blkStartQueue(q);
            }
        } finally {
            lock.unlockIrqrestore(flags);
        }
    }

    @Override
    public String toString() {
        return "null_blk(rq, depth=" + queueDepth + ", " + variant + ")";
    }
}
