package dev.mybrd.block;

import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code struct bio}: one I/O on a contiguous run of sectors, made of segments ({@link BioVec}) of the
 * caller's pages, with a completion callback ({@code bi_end_io}).
 *
 * <p><b>Completion.</b> {@link #endio(BlkStatus)} ({@code bio_endio}) records the status and calls
 * {@code bi_end_io} exactly once (property P1). The kernel has no guard against a second call (it
 * would complete freed memory); the model counts calls, so a second one is reported as a bug at the
 * moment it happens and {@link #endioCalls()} lets checks count double completions.
 *
 * <p>A bio is built on one thread and then submitted; the submitter's writes reach the completing
 * thread through the submission path, as in the kernel. The status is written before the completion
 * count is published with release, so whoever sees the count sees the status.
 */
public final class Bio {
    /** {@code SECTOR_SHIFT}: a sector is 512 bytes. */
    public static final int SECTOR_SHIFT = 9;
    /** 512. */
    public static final int SECTOR_SIZE = 1 << SECTOR_SHIFT;
    private static final VarHandle ENDIO_CALLS;

    static {
        try {
            ENDIO_CALLS = MethodHandles.lookup().findVarHandle(Bio.class, "endioCalls", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReqOp op;
    private final long sector;
    private final List<BioVec> vecs = new ArrayList<>();
    private long size;
    private Consumer<Bio> endIo;
    private BlkStatus status = BlkStatus.OK;
    @SuppressWarnings("unused") private int endioCalls;

    private Bio(ReqOp op, long sector, long size) {
        if (op == null) {
            throw new IllegalArgumentException("bio: op is null");
        }
        if (sector < 0) {
            throw new IllegalArgumentException("bio: bi_sector must be >= 0, got " + sector);
        }
        this.op = op;
        this.sector = sector;
        this.size = size;
    }

    /** {@code bio_alloc} for a READ or WRITE starting at {@code sector}; add segments next. */
    public static Bio of(ReqOp op, long sector) {
        if (op != null && !op.hasData()) {
            throw new IllegalArgumentException("bio: " + op + " carries no data; use Bio.discard or Bio.flush");
        }
        return new Bio(op, sector, 0);
    }

    /** A discard ({@code REQ_DISCARD}) of {@code nrSectors} sectors from {@code sector}. */
    public static Bio discard(long sector, long nrSectors) {
        if (nrSectors < 0) {
            throw new IllegalArgumentException("bio: discard length must be >= 0, got " + nrSectors);
        }
        return new Bio(ReqOp.DISCARD, sector, nrSectors << SECTOR_SHIFT);
    }

    /** An empty flush ({@code REQ_FLUSH}, no data). */
    public static Bio flush() {
        return new Bio(ReqOp.FLUSH, 0, 0);
    }

    /** {@code bio_add_page(bio, page, len, offset)}: appends a segment; returns this bio. */
    public Bio addPage(Page page, int len, int offset) {
        if (!op.hasData()) {
            throw new IllegalArgumentException("bio_add_page on a " + op + " bio");
        }
        BioVec vec = new BioVec(page, offset, len);
        vecs.add(vec);
        size += len;
        return this;
    }

    /** Sets {@code bi_end_io}. */
    public Bio onEnd(Consumer<Bio> endIo) {
        this.endIo = endIo;
        return this;
    }

    public ReqOp op() {
        return op;
    }

    /** {@code bio->bi_iter.bi_sector}. */
    public long sector() {
        return sector;
    }

    /** {@code bio->bi_iter.bi_size} in bytes. */
    public long size() {
        return size;
    }

    /** {@code bio_sectors(bio)}. */
    public long sectors() {
        return size >>> SECTOR_SHIFT;
    }

    /** {@code bio_end_sector(bio)}. */
    public long endSector() {
        return sector + sectors();
    }

    /** The segments ({@code bi_io_vec[0..bi_vcnt)}). */
    public List<BioVec> vecs() {
        return List.copyOf(vecs);
    }

    /** {@code bio->bi_error} as a status; meaningful once the bio has ended. */
    public BlkStatus status() {
        return status;
    }

    /** Calls of {@code bio_endio} so far (1 for a correctly completed bio). */
    public int endioCalls() {
        return (int) ENDIO_CALLS.getAcquire(this);
    }

    /** Whether {@code bio_endio} has been called. */
    public boolean ended() {
        return endioCalls() > 0;
    }

    /**
     * {@code bio->bi_error = status; bio_endio(bio)}: completes the bio and calls {@code bi_end_io}.
     * A second call is a double completion: counted, then reported as a kernel bug.
     */
    public void endio(BlkStatus status) {
        if ((int) ENDIO_CALLS.getOpaque(this) == 0) {
            this.status = status;
        }
        int before = (int) ENDIO_CALLS.getAndAddRelease(this, 1);
        if (before != 0) {
            throw new KernelBug("kernel BUG: bio_endio called " + (before + 1) + " times on " + this);
        }
        if (endIo != null) {
            endIo.accept(this);
        }
    }

    /** {@code bio_io_error(bio)}: ends the bio with {@code -EIO}. */
    public void ioError() {
        endio(BlkStatus.IOERR);
    }

    @Override
    public String toString() {
        return "bio{" + op + " sector=" + sector + " size=" + size + " vcnt=" + vecs.size() + "}";
    }
}
