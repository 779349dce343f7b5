package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One job of a workload: a thread that issues its share of the operations as a task on its CPU, keeps
 * up to {@code iodepth} of them in flight, and checks each one as it completes.
 *
 * <p><b>Issuing.</b> Operation {@code k} is drawn from the job's own random sequence
 * ({@code seed + job}), so a seed fixes every job's operations whatever the interleaving. Before
 * submitting, the job waits for a free slot in its queue and claims the operation's sectors in the
 * {@link SectorOracle}; then it builds the bio (a write carries {@link DataPattern} content, a read
 * buffer is filled with a marker first, so a read that moved nothing cannot pass) and submits it with
 * {@code Kernel.runOn}.
 *
 * <p><b>Completing.</b> The bio's {@code bi_end_io} only queues it back to the job, from whatever
 * context ends it. The job takes it off the queue, counts its fate, checks a read sector by sector
 * against the oracle, records what a write or discard left behind, and drops the claim.
 *
 * <p><b>Bounds.</b> A bio still outstanding {@code bioTimeoutMillis} after submission is reported LOST
 * with what it was, and its sectors become UNKNOWN; where the device completes inline, a bio that has
 * not ended when {@code submit_bio} returns is lost at once. Past the run bound the job stops issuing,
 * counts the rest as not issued, and reports what is still outstanding as lost.
 *
 * <p><b>Double completion.</b> {@code bio_endio} calls {@code bi_end_io} once and reports a second
 * call as a {@code KernelBug}. The job counts a bio as doubled when its {@code endioCalls()} exceeds 1:
 * when the bio is taken off the queue, and once more at the end of the run for the last
 * {@link #RECENT} bios it completed. A second call that comes after the job has ended is not seen.
 */
final class IoJob implements Runnable {
    /** Completed bios kept to look for a late second completion at the end of the run. */
    static final int RECENT = 4096;
    /** How long one wait for a completion or a claim lasts before the job looks at its bounds again. */
    private static final long SLICE_NANOS = 50_000;
    /** What a read buffer holds before the read: neither zeros nor a well-formed sector. */
    private static final byte READ_MARKER = 0x5c;

    /** One operation in flight. Touched only by the job's thread, except for the completion queue. */
    private static final class Inflight {
        final long k;
        final ReqOp op;
        final long sector;
        final int sectors;
        final long writeId;
        final Bio bio;
        final Page[] pages;
        final long deadline;
        boolean lost;
        boolean doubled;

        Inflight(long k, ReqOp op, long sector, int sectors, long writeId, Bio bio, Page[] pages, long deadline) {
            this.k = k;
            this.op = op;
            this.sector = sector;
            this.sectors = sectors;
            this.writeId = writeId;
            this.bio = bio;
            this.pages = pages;
            this.deadline = deadline;
        }
    }

    /** Thrown inside the job when the run bound is reached or the thread is interrupted. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private final int job;
    private final IoSpec spec;
    private final IoTarget target;
    private final SectorOracle oracle;
    private final Tally tally;
    private final long lo;
    private final long hi;
    private final int cpu;
    private final long runDeadline;
    private final SplittableRandom rng;
    private final int rwSectors;
    private final int rwAlign;
    private final int discardSectors;
    private final long ops;
    private final LinkedBlockingQueue<Inflight> completions = new LinkedBlockingQueue<>();
    private final ArrayDeque<Inflight> outstanding = new ArrayDeque<>();
    private final ArrayDeque<Page[]> buffers = new ArrayDeque<>();
    private final ArrayDeque<Inflight> recent = new ArrayDeque<>();
    private long issued;

    /**
     * @param job the job's number, from 0
     * @param lo first sector it may touch
     * @param hi first sector past its range
     * @param cpu the CPU it runs on
     * @param runDeadline {@link System#nanoTime()} past which it stops
     */
    IoJob(int job, IoSpec spec, IoTarget target, SectorOracle oracle, Tally tally, long lo, long hi, int cpu,
            long runDeadline) {
        this.job = job;
        this.spec = spec;
        this.target = target;
        this.oracle = oracle;
        this.tally = tally;
        this.lo = lo;
        this.hi = hi;
        this.cpu = cpu;
        this.runDeadline = runDeadline;
        this.rng = new SplittableRandom(spec.seed() + job);
        this.rwSectors = spec.blockSize() >> Bio.SECTOR_SHIFT;
        this.rwAlign = target.logicalBlockSize() >> Bio.SECTOR_SHIFT;
        this.discardSectors = discardSectors(spec);
        this.ops = spec.opsOf(job);
    }

    /** Sectors of a discard: the block size rounded up to whole pages. */
    static int discardSectors(IoSpec spec) {
        int pages = (spec.blockSize() + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE;
        return pages * IoSpec.SECTORS_PER_PAGE;
    }

    @Override
    public void run() {
        try {
            for (long k = 0; k < ops; k++) {
                checkBounds();
                issue(k);
            }
            waitUntil(outstanding::isEmpty);
        } catch (Stop stop) {
            tally.stopped = true;
            abandon();
        }
        recheckRecent();
    }

    // ---- issuing -------------------------------------------------------------------------------

    /** Draws operation {@code k}, waits for a slot and its sectors, submits it. */
    private void issue(long k) {
        int pct = rng.nextInt(100);
        ReqOp op = pct < spec.readPct() ? ReqOp.READ : pct < spec.readPct() + spec.writePct() ? ReqOp.WRITE
                : ReqOp.DISCARD;
        int sectors = op == ReqOp.DISCARD ? discardSectors : rwSectors;
        int align = op == ReqOp.DISCARD ? IoSpec.SECTORS_PER_PAGE : rwAlign;
        long slots = (hi - lo - sectors) / align + 1;
        long sector = lo + rng.nextLong(slots) * align;

        waitUntil(() -> outstanding.size() < spec.iodepth());
        waitUntil(() -> oracle.tryClaim(sector, sectors, job + 1));
        submit(prepare(k, op, sector, sectors));
        issued++;
        reapReady();
    }

    private Inflight prepare(long k, ReqOp op, long sector, int sectors) {
        long writeId = op == ReqOp.WRITE ? DataPattern.writeId(job, k) : 0;
        long deadline = System.nanoTime() + spec.bioTimeoutMillis() * 1_000_000;
        if (op == ReqOp.DISCARD) {
            Bio bio = Bio.discard(sector, sectors);
            return new Inflight(k, op, sector, sectors, 0, bio, null, deadline);
        }
        Page[] pages = buffer();
        Bio bio = Bio.of(op, sector);
        int bytes = sectors << Bio.SECTOR_SHIFT;
        for (Page p : pages) {
            int len = Math.min(Page.PAGE_SIZE, bytes);
            if (op == ReqOp.READ) {
                Arrays.fill(p.kmap(), 0, len, READ_MARKER);
            }
            bio.addPage(p, len, 0);
            bytes -= len;
        }
        if (op == ReqOp.WRITE && spec.verify()) {
            for (int i = 0; i < sectors; i++) {
                DataPattern.fill(pages[i / IoSpec.SECTORS_PER_PAGE].kmap(),
                        (i % IoSpec.SECTORS_PER_PAGE) << Bio.SECTOR_SHIFT, writeId, sector + i);
            }
        }
        return new Inflight(k, op, sector, sectors, writeId, bio, pages, deadline);
    }

    /** {@code submit_bio} as task {@code io-job<N>} on the job's CPU. */
    private void submit(Inflight f) {
        f.bio.onEnd(b -> completions.add(f));
        outstanding.addLast(f);
        tally.submitted.increment();
        (f.op == ReqOp.READ ? tally.reads : f.op == ReqOp.WRITE ? tally.writes : tally.discards).increment();
        try {
            target.kernel().runOn(cpu, "io-job" + job, () -> target.submit(f.bio));
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            if (!(e instanceof KernelBug && f.bio.endioCalls() > 1)) {
                tally.oopses.increment();
                tally.problem(IoResult.Kind.OOPS, what(f) + ": submit_bio threw " + e);
            }
            if (target.completesInline() && !f.bio.ended()) {
                declareLost(f, "submit_bio oopsed before ending it");
            }
            return;
        }
        if (target.completesInline() && !f.bio.ended()) {
            declareLost(f, "not ended when submit_bio returned, though the device completes inline");
        }
    }

    // ---- completing ----------------------------------------------------------------------------

    /** Takes every completion already queued. */
    private void reapReady() {
        Inflight f;
        while ((f = completions.poll()) != null) {
            complete(f);
        }
    }

    /** Waits, reaping completions and expiring overdue bios, until {@code ready} holds. */
    private void waitUntil(BooleanSupplier ready) {
        while (!ready.getAsBoolean()) {
            checkBounds();
            Inflight f;
            try {
                f = completions.poll(SLICE_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stop();
            }
            if (f != null) {
                complete(f);
                reapReady();
            } else {
                target.idle(cpu);
            }
            expireOverdue();
        }
    }

    /** One completed bio: its fate, its data, the oracle, the claim. */
    private void complete(Inflight f) {
        if (f.lost) {
            tally.lateCompletions.increment();
            tally.problem(IoResult.Kind.LOST, what(f) + " completed after it was reported lost");
            return;
        }
        outstanding.remove(f);
        tally.completed.increment();
        checkDoubled(f);
        BlkStatus status = f.bio.status();
        if (status == BlkStatus.OK) {
            tally.ok.increment();
        } else {
            tally.failed(status);
        }
        if (f.op == ReqOp.READ) {
            if (status == BlkStatus.OK && spec.verify()) {
                verify(f);
            }
        } else {
            long after = status != BlkStatus.OK ? SectorOracle.UNKNOWN : f.op == ReqOp.WRITE ? f.writeId
                    : DataPattern.ZEROS;
            for (int i = 0; i < f.sectors; i++) {
                oracle.expect(f.sector + i, after);
            }
        }
        oracle.release(f.sector, f.sectors);
        if (f.pages != null) {
            buffers.addLast(f.pages);
        }
        recent.addLast(f);
        if (recent.size() > RECENT) {
            recent.removeFirst();
        }
    }

    /** Checks every sector a read returned against what the oracle expects there. */
    private void verify(Inflight f) {
        int wrong = 0;
        String first = null;
        for (int i = 0; i < f.sectors; i++) {
            long sector = f.sector + i;
            byte[] buf = f.pages[i / IoSpec.SECTORS_PER_PAGE].kmap();
            int off = (i % IoSpec.SECTORS_PER_PAGE) << Bio.SECTOR_SHIFT;
            long got = DataPattern.decode(buf, off, sector);
            long want = oracle.expected(sector);
            boolean right = want == SectorOracle.UNKNOWN ? got != DataPattern.GARBAGE : got == want;
            if (!right) {
                if (wrong++ == 0) {
                    first = "sector " + sector + " held " + DataPattern.describe(buf, off, sector) + ", expected "
                            + (want == SectorOracle.UNKNOWN ? "zeros or any write of it"
                                    : want == DataPattern.ZEROS ? "zeros" : "the data of " + DataPattern.describeId(want));
                }
            }
        }
        tally.verifiedSectors.add(f.sectors);
        if (wrong > 0) {
            tally.wrongData.increment();
            tally.wrongSectors.add(wrong);
            tally.problem(IoResult.Kind.WRONG_DATA, what(f) + ": " + first + " (" + wrong + " of " + f.sectors
                    + " sectors wrong)");
        }
    }

    private void checkDoubled(Inflight f) {
        int calls = f.bio.endioCalls();
        if (calls > 1 && !f.doubled) {
            f.doubled = true;
            tally.doubled.increment();
            tally.problem(IoResult.Kind.DOUBLED, what(f) + ": bio_endio called " + calls + " times");
        }
    }

    /** Bios outstanding past their deadline and not yet ended are lost. */
    private void expireOverdue() {
        long now = System.nanoTime();
        for (Iterator<Inflight> it = outstanding.iterator(); it.hasNext(); ) {
            Inflight f = it.next();
            if (now - f.deadline < 0) {
                break;
            }
            if (!f.bio.ended()) {
                it.remove();
                markLost(f, "not completed within " + spec.bioTimeoutMillis() + " ms");
            }
        }
    }

    private void declareLost(Inflight f, String why) {
        outstanding.remove(f);
        markLost(f, why);
    }

    /**
     * Counts {@code f} lost. Its claim is dropped so the other jobs go on; what it may still do to
     * its sectors is unknown, so a write's or discard's sectors become UNKNOWN.
     */
    private void markLost(Inflight f, String why) {
        f.lost = true;
        tally.lost.increment();
        tally.problem(IoResult.Kind.LOST, what(f) + ": " + why);
        if (f.op != ReqOp.READ) {
            for (int i = 0; i < f.sectors; i++) {
                oracle.expect(f.sector + i, SectorOracle.UNKNOWN);
            }
        }
        oracle.release(f.sector, f.sectors);
    }

    // ---- bounds --------------------------------------------------------------------------------

    private void checkBounds() {
        if (Thread.currentThread().isInterrupted() || System.nanoTime() - runDeadline > 0) {
            throw new Stop();
        }
    }

    /** The run bound is reached: what is outstanding is lost, what is not issued is counted. */
    private void abandon() {
        reapReady();
        for (Inflight f : outstanding.toArray(new Inflight[0])) {
            if (!f.bio.ended()) {
                declareLost(f, "still outstanding when the run bound stopped the job");
            }
        }
        reapReady();
        tally.notIssued.add(ops - issued);
    }

    private void recheckRecent() {
        for (Inflight f : recent) {
            checkDoubled(f);
        }
    }

    /** A read or write buffer of the block size, from the job's pool. */
    private Page[] buffer() {
        Page[] pages = buffers.pollFirst();
        if (pages == null) {
            pages = new Page[(rwSectors + IoSpec.SECTORS_PER_PAGE - 1) / IoSpec.SECTORS_PER_PAGE];
            for (int i = 0; i < pages.length; i++) {
                pages[i] = Page.buffer();
            }
        }
        return pages;
    }

    /** "job 1 op 17: WRITE sectors 96+8 on CPU1". */
    private String what(Inflight f) {
        return "job " + job + " op " + f.k + ": " + f.op + " sectors " + f.sector + "+" + f.sectors + " on CPU" + cpu;
    }
}
