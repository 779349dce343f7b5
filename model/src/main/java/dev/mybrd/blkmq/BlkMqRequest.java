package dev.mybrd.blkmq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct request} as blk-mq uses it (v4.4 {@code include/linux/blkdev.h},
 * {@code block/blk-mq.c}): one of the requests {@code blk_mq_init_rq_map} preallocates for a hardware
 * queue, permanently {@code tags->rqs[tag]}, followed by a {@code cmd_size} PDU. The legacy
 * {@link dev.mybrd.block.Request} belongs to a {@code request_list} and {@code queue_lock}, which
 * blk-mq has none of, so blk-mq's request is its own class.
 *
 * <p><b>Life cycle.</b> {@code __blk_mq_alloc_request} takes a tag and initialises the request for
 * its ctx and hctx ({@code blk_mq_rq_ctx_init}); it sits on {@code ctx->rq_list} or
 * {@code hctx->dispatch} until dispatched; {@code blk_mq_start_request} sets the deadline, then
 * {@code REQ_ATOM_STARTED} and clears {@code REQ_ATOM_COMPLETE}; whoever wins
 * {@code test_and_set_bit(REQ_ATOM_COMPLETE)} (the driver's {@code blk_mq_complete_request} or the
 * timeout scan) ends it; {@code blk_mq_free_request} gives the tag back. Freed between uses: any
 * step on a freed request is reported as KASAN would report a use-after-free of the old owner.
 */
public final class BlkMqRequest {
    /** {@code REQ_ATOM_COMPLETE}: bit 0 of {@code atomic_flags}. */
    static final int REQ_ATOM_COMPLETE = 1;
    /** {@code REQ_ATOM_STARTED}: bit 1 of {@code atomic_flags}. */
    static final int REQ_ATOM_STARTED = 1 << 1;

    private static final VarHandle ATOMIC_FLAGS;
    private static final VarHandle IN_USE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ATOMIC_FLAGS = l.findVarHandle(BlkMqRequest.class, "atomicFlags", int.class);
            IN_USE = l.findVarHandle(BlkMqRequest.class, "inUse", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code rq->tag}, fixed: the request is {@code tags->rqs[tag]}. */
    final int tag;
    /** {@code blk_mq_rq_to_pdu(rq)}: {@code cmd_size} bytes the driver owns. */
    final byte[] pdu;
    @SuppressWarnings("unused") private int atomicFlags;
    @SuppressWarnings("unused") private boolean inUse;
    /** Set at allocation: {@code rq->mq_ctx}, its hctx, and whether it counts in {@code nr_active}. */
    volatile BlkMqCtx mqCtx;
    volatile BlkMqHwCtx hctx;
    volatile boolean inflight;
    /** Under the lock of the list it is on, or owned by the driver once started. */
    final List<Bio> bios = new ArrayList<>();
    volatile boolean write;
    volatile long sector;
    volatile long dataLen;
    volatile long deadline;
    volatile int errors;
    volatile Object special;
    /** Times this request has been ended since its allocation: more than one is the double completion. */
    volatile int ends;
    /** {@code rq->q}: set by {@code blk_mq_map_request}; the plug holds requests of several queues. */
    volatile BlkMqQueue q;
    /** {@code rq->start_time} (jiffies of the disk's statistics), set with the request's first bio. */
    volatile long startTime;
    /** {@code REQ_IO_STAT} and {@code rq->rq_disk}: {@code blk_do_io_stat(rq)}, accounted from its first bio on. */
    volatile boolean ioStat;

    BlkMqRequest(int tag, int cmdSize) {
        this.tag = tag;
        this.pdu = new byte[cmdSize];
    }

    /** {@code rq->tag}. */
    public int tag() {
        return tag;
    }

    /** {@code rq->mq_ctx}. */
    public BlkMqCtx mqCtx() {
        return mqCtx;
    }

    /** The hardware queue the request was allocated on and is dispatched through. */
    public BlkMqHwCtx hctx() {
        return hctx;
    }

    /** {@code blk_mq_rq_to_pdu(rq)}. */
    public byte[] pdu() {
        return pdu;
    }

    /** {@code blk_rq_pos(rq)}. */
    public long pos() {
        return sector;
    }

    /** {@code blk_rq_bytes(rq)}. */
    public long bytes() {
        return dataLen;
    }

    /** {@code rq_data_dir(rq) == WRITE}. */
    public boolean isWrite() {
        return write;
    }

    /** {@code rq->q}. */
    public BlkMqQueue queue() {
        return q;
    }

    /** Whether the request carries a discard (the model merges no discards). */
    boolean isDiscard() {
        return !bios.isEmpty() && bios.get(0).op() == ReqOp.DISCARD;
    }

    /** The bios still attached, in order ({@code __rq_for_each_bio}). */
    public List<Bio> bios() {
        checkLive("__rq_for_each_bio");
        return List.copyOf(bios);
    }

    /** {@code req->special}. */
    public Object special() {
        return special;
    }

    public void setSpecial(Object special) {
        this.special = special;
    }

    /** {@code rq->errors}. */
    public int errors() {
        return errors;
    }

    public void setErrors(int errno) {
        this.errors = errno;
    }

    /** {@code rq->deadline} in the queue's jiffies. */
    public long deadline() {
        return deadline;
    }

    /** {@code blk_mq_request_started(rq)}: {@code test_bit(REQ_ATOM_STARTED)}. */
    public boolean started() {
        return ((int) ATOMIC_FLAGS.getVolatile(this) & REQ_ATOM_STARTED) != 0;
    }

    /** {@code test_bit(REQ_ATOM_COMPLETE)}. */
    public boolean completeMarked() {
        return ((int) ATOMIC_FLAGS.getVolatile(this) & REQ_ATOM_COMPLETE) != 0;
    }

    /** Whether the request is allocated (its tag held); false between uses. */
    public boolean inUse() {
        return (boolean) IN_USE.getVolatile(this);
    }

    /** {@code set_bit(REQ_ATOM_STARTED)} after {@code smp_mb__before_atomic()}: a full barrier here. */
    void setStarted() {
        VarHandle.fullFence();
        ATOMIC_FLAGS.getAndBitwiseOr(this, REQ_ATOM_STARTED);
    }

    /** {@code test_and_clear_bit(REQ_ATOM_STARTED)}: true if it was set. */
    boolean clearStarted() {
        return ((int) ATOMIC_FLAGS.getAndBitwiseAnd(this, ~REQ_ATOM_STARTED) & REQ_ATOM_STARTED) != 0;
    }

    /** {@code blk_mark_rq_complete}: {@code test_and_set_bit(REQ_ATOM_COMPLETE)}; true if it was already set. */
    boolean markComplete() {
        return ((int) ATOMIC_FLAGS.getAndBitwiseOr(this, REQ_ATOM_COMPLETE) & REQ_ATOM_COMPLETE) != 0;
    }

    /** {@code blk_clear_rq_complete}: {@code clear_bit}. */
    void clearComplete() {
        ATOMIC_FLAGS.getAndBitwiseAnd(this, ~REQ_ATOM_COMPLETE);
    }

    /** {@code blk_mq_rq_ctx_init}: a fresh request of {@code ctx} on {@code hctx}, no bio yet. */
    void init(BlkMqCtx ctx, BlkMqHwCtx hctx, boolean inflight) {
        KernelBug.bugOn(!IN_USE.compareAndSet(this, false, true),
                () -> "blk-mq: tag " + tag + " of hctx " + hctx.queueNum() + " handed out twice: " + this);
        this.mqCtx = ctx;
        this.hctx = hctx;
        this.inflight = inflight;
        this.bios.clear();
        this.dataLen = 0;
        this.errors = 0;
        this.special = null;
        this.deadline = 0;
        this.ends = 0;
        ATOMIC_FLAGS.setVolatile(this, 0);
    }

    /** {@code blk_mq_bio_to_request(rq, bio)}: the request's first bio. */
    void bioToRequest(Bio bio) {
        this.bios.add(bio);
        this.write = bio.op() == ReqOp.WRITE || bio.op() == ReqOp.DISCARD;
        this.sector = bio.sector();
        this.dataLen = bio.size();
    }

    /** The sector after the request ({@code rq_end_sector}). */
    long endSector() {
        return sector + (dataLen >> Bio.SECTOR_SHIFT);
    }

    /** {@code bio_attempt_front_merge}: {@code bio} comes just before this request. */
    void prependBio(Bio bio) {
        bios.add(0, bio);
        sector = bio.sector();
        dataLen += bio.size();
    }

    /** {@code bio_attempt_back_merge}: {@code bio} continues this request. */
    void appendBio(Bio bio) {
        bios.add(bio);
        dataLen += bio.size();
    }

    /** The bios of {@code blk_update_request(rq, error, blk_rq_bytes(rq))}: every one ends with {@code error}. */
    void endBios(int error) {
        checkLive("blk_update_request");
        ends++;
        KernelBug.bugOn(ends > 1, () -> "blk-mq: " + this + " ended twice (double completion)");
        List<Bio> all = List.copyOf(bios);
        bios.clear();
        dataLen = 0;
        for (Bio b : all) {
            b.endio(error != 0 ? BlkStatus.of(error) : BlkStatus.OK);
        }
    }

    /** Back to the tag's pool: the request is free until the tag is handed out again. */
    void markFreed() {
        KernelBug.bugOn(!IN_USE.compareAndSet(this, true, false), () -> "blk-mq: " + this + " freed twice");
    }

    void checkLive(String what) {
        if (!inUse()) {
            throw new KernelBug("BUG: KASAN: use-after-free in " + what + ": " + this + " was already freed");
        }
    }

    @Override
    public String toString() {
        BlkMqHwCtx h = hctx;
        return "mq-rq#" + (h == null ? "?" : h.queueNum()) + "/" + tag + "{" + (write ? "W" : "R") + " sector=" + sector
                + " bytes=" + dataLen + "}";
    }
}
