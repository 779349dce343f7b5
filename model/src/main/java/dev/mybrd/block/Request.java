package dev.mybrd.block;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct request} of the legacy path ({@code include/linux/blkdev.h}, v4.4): a contiguous run
 * of sectors made of one or more bios, with the bookkeeping that carries it from allocation
 * ({@code get_request}) through the elevator and the driver to {@code __blk_put_request}.
 *
 * <p><b>State and who owns it.</b> Everything but {@code atomic_flags} is written under
 * {@code q->queue_lock} while the request is queued, and by the driver alone between
 * {@code blk_start_request} and the end (it has left every list then). {@code cmd_flags} carries
 * {@link #REQ_SORTED} (in the elevator), {@link #REQ_STARTED} (seen by the driver: never merged into
 * again), {@link #REQ_DONTPREP} and {@link #REQ_SOFTBARRIER}. {@code atomic_flags} bit
 * {@code REQ_ATOM_COMPLETE} is set with {@code test_and_set_bit} (a full barrier) by whoever claims
 * the completion: {@code blk_complete_request} or the timeout handler, so only one of them ends the
 * request (spec 3.9 S4). The bios are the ordered list {@code bio .. biotail}; {@code __sector} and
 * {@code __data_len} are the start and length of what is still to complete.
 *
 * <p><b>Invariants.</b> While queued, {@code [__sector, __sector + __data_len/512)} is the ordered
 * union of the bios' remaining ranges (P21); a request is on at most one of: the plug list, the
 * elevator's list, the dispatch list ({@code queuelist}), and at most one per-CPU done list
 * ({@code ipi_list}); once freed it is never touched again. The model checks the last one: every
 * step on a freed request is reported as a use-after-free, as KASAN would.
 */
public final class Request {
    /** {@code REQ_SORTED}: inserted through the elevator. */
    public static final int REQ_SORTED = 1;
    /** {@code REQ_STARTED}: the driver has seen it ({@code blk_peek_request}). */
    public static final int REQ_STARTED = 1 << 1;
    /** {@code REQ_DONTPREP}: {@code prep_rq_fn} need not run again. */
    public static final int REQ_DONTPREP = 1 << 2;
    /** {@code REQ_SOFTBARRIER}: requeued; nothing may be merged or sorted past it. */
    public static final int REQ_SOFTBARRIER = 1 << 3;
    /** {@code REQ_QUIET}: no error message on failure. */
    public static final int REQ_QUIET = 1 << 4;
    /** {@code REQ_IO_STAT}: accounted in the disk statistics. */
    public static final int REQ_IO_STAT = 1 << 5;
    /** {@code REQ_NOMERGE_FLAGS} reduced to the flags the model sets. */
    static final int REQ_NOMERGE_FLAGS = REQ_STARTED | REQ_SOFTBARRIER;

    /** {@code REQ_ATOM_COMPLETE}: bit 0 of {@code atomic_flags}. */
    static final int REQ_ATOM_COMPLETE = 1;

    private static final VarHandle ATOMIC_FLAGS;

    static {
        try {
            ATOMIC_FLAGS = MethodHandles.lookup().findVarHandle(Request.class, "atomicFlags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Where {@code queuelist} links the request, for the list assertions the kernel makes. */
    enum Where { NONE, PLUG, ELEVATOR, DISPATCH }

    final RequestQueue q;
    final int tag;
    final boolean write;
    final boolean sync;
    int cmdFlags;
    @SuppressWarnings("unused") private int atomicFlags;
    /** {@code bio .. biotail}; the head bio may be partly completed ({@link #headDone} bytes). */
    final List<Bio> bios = new ArrayList<>();
    long headDone;
    long sector;
    long dataLen;
    int nrPhysSegments;
    /** {@code req->cpu}: the submitting CPU with {@code QUEUE_FLAG_SAME_COMP}, else -1. */
    int cpu = -1;
    /** {@code req->start_time} (statistics clock) and {@code req->deadline} (timer clock). */
    long startTime;
    long deadline;
    boolean onTimeoutList;
    boolean onHash;
    /** On a per-CPU {@code blk_cpu_done} list ({@code ipi_list}). */
    boolean onDoneList;
    Where where = Where.NONE;
    /** {@code req->special}: the driver's pointer. */
    private Object special;
    /** {@code req->errors}: a negative errno the driver or the timeout handler left, or 0. */
    private int errors;
    private volatile boolean freed;

    Request(RequestQueue q, int tag, boolean write, boolean sync) {
        this.q = q;
        this.tag = tag;
        this.write = write;
        this.sync = sync;
    }

    /** {@code blk_rq_pos(rq)}. */
    public long pos() {
        checkLive("blk_rq_pos");
        return sector;
    }

    /** {@code blk_rq_bytes(rq)}. */
    public long bytes() {
        return dataLen;
    }

    /** {@code blk_rq_sectors(rq)}. */
    public long sectors() {
        return dataLen >>> Bio.SECTOR_SHIFT;
    }

    /** {@code rq_end_sector}. */
    long endSector() {
        return sector + sectors();
    }

    /** {@code rq_data_dir(rq) == WRITE}. */
    public boolean isWrite() {
        return write;
    }

    /** {@code rq_is_sync(rq)}: reads and sync writes. */
    public boolean isSync() {
        return sync;
    }

    /** {@code req->q}. */
    public RequestQueue queue() {
        return q;
    }

    /** {@code req->cpu}. */
    public int cpu() {
        return cpu;
    }

    /** {@code req->cmd_flags}, for tests and messages. */
    public int cmdFlags() {
        return cmdFlags;
    }

    /** The bios still attached, in order ({@code __rq_for_each_bio}). */
    public List<Bio> bios() {
        checkLive("__rq_for_each_bio");
        return List.copyOf(bios);
    }

    /** Bytes of the head bio already completed by a partial {@code blk_update_request}. */
    public long headDone() {
        return headDone;
    }

    public Object special() {
        checkLive("req->special");
        return special;
    }

    public void setSpecial(Object special) {
        checkLive("req->special");
        this.special = special;
    }

    /** {@code req->errors}. */
    public int errors() {
        return errors;
    }

    public void setErrors(int errno) {
        checkLive("req->errors");
        this.errors = errno;
    }

    /** Whether the request has been given back ({@code blk_free_request}). */
    public boolean freed() {
        return freed;
    }

    void markFreed() {
        freed = true;
    }

    /** {@code test_and_set_bit(REQ_ATOM_COMPLETE)}: true if it was already set. */
    boolean markComplete() {
        return ((int) ATOMIC_FLAGS.getAndBitwiseOr(this, REQ_ATOM_COMPLETE) & REQ_ATOM_COMPLETE) != 0;
    }

    /** {@code blk_clear_rq_complete}: {@code clear_bit}, atomic but unordered. */
    void clearComplete() {
        ATOMIC_FLAGS.getAndBitwiseAnd(this, ~REQ_ATOM_COMPLETE);
    }

    /** {@code test_bit(REQ_ATOM_COMPLETE)}. */
    public boolean completeMarked() {
        return ((int) ATOMIC_FLAGS.getOpaque(this) & REQ_ATOM_COMPLETE) != 0;
    }

    /**
     * {@code list_del_init(&req->queuelist)} as a driver's done function does it before ending the
     * request (mybrd, null_blk): a no-op on a started request, which is on no list; on a freed
     * request, a use-after-free.
     */
    public void listDelInit() {
        checkLive("list_del_init(&req->queuelist)");
    }

    /** KASAN's answer to a step on a freed request. */
    void checkLive(String what) {
        if (freed) {
            throw new KernelBug("BUG: KASAN: use-after-free in " + what + ": " + this + " was already freed");
        }
    }

    @Override
    public String toString() {
        return "rq#" + tag + "{" + (write ? "W" : "R") + " sector=" + sector + " sectors=" + sectors()
                + " bios=" + bios.size() + "}";
    }
}
