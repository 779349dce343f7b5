package dev.mybrd.stress.softirq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkBug;
import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkQueueBio;
import dev.mybrd.block.BlkSoftirq;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One started request whose completion races its timeout, for the {@code CompletionVsTimeout*}
 * tests. Not a test.
 *
 * <p>A 3-CPU machine with a request-mode queue whose driver ({@code request_fn}) fetches the request
 * and keeps it; {@code rq_affinity} is on (the default), the request timeout is one jiffy, the
 * driver's {@code rq_timed_out_fn} sets {@code -EIO} and answers {@code BLK_EH_HANDLED}, and its
 * {@code softirq_done_fn} ends the request with {@code blk_end_request_all(req, req->errors)}. The
 * bio is submitted from CPU 2 while the queue is stopped, so {@code req->cpu} is 2; the queue is then
 * started from CPU 0, whose {@code request_fn} starts the request and arms its timeout on CPU 0's
 * timer base.
 * <ul>
 *   <li>{@link #driverIrq}: the driver's completion interrupt on CPU 1 calls
 *       {@code blk_complete_request}; if it claims the request, an IPI hands it to CPU 2.</li>
 *   <li>{@link #timerTick}: one jiffy passes on CPU 0; {@code blk_rq_timed_out_timer} finds the request
 *       expired and, if it wins {@code REQ_ATOM_COMPLETE}, hands it to CPU 2 with {@code -EIO}.</li>
 *   <li>{@link #settle}: every CPU takes its pending IPIs and runs its softirqs, so each completion
 *       that was claimed ends the request, on CPU 2, before the arbiter looks.</li>
 * </ul>
 * Why CPU 2: the COMPLETE bit arbitrates only while the request exists. Had the timeout ended and
 * freed it before the interrupt came, the interrupt's {@code blk_complete_request} would touch freed
 * memory: in v4.4 a driver whose {@code rq_timed_out_fn} answers {@code BLK_EH_HANDLED} promises that
 * its hardware will not complete the request any more (blk-mq closed that window much later with
 * per-request generation numbers). Ending on a third CPU keeps the request alive across both claims,
 * which is the window S4 is about.
 * The model stops a second end of the freed request (KASAN's use-after-free) with a
 * {@link KernelBug}; the done function and the interrupt count it as a second end instead of letting
 * it kill the sample.
 */
final class CompletionVsTimeout {
    /** Who ended the request, as its bio's status tells: the driver leaves 0, the timeout -EIO. */
    static final int NOBODY = 0;
    static final int DRIVER = 1;
    static final int TIMEOUT = 2;

    private final Kernel kernel = new Kernel(3);
    private final RequestQueue q;
    private final Bio bio = Bio.of(ReqOp.WRITE, 0).addPage(Page.buffer(), Bio.SECTOR_SIZE, 0);
    private final AtomicInteger secondEnds = new AtomicInteger();
    private Request rq;

    CompletionVsTimeout(Set<BlkBug> bugs) {
        SpinLock lock = new SpinLock(kernel, "stress_queue_lock");
        q = RequestQueue.initQueue(kernel, this::requestFn, lock, new QueueLimits(512, 1024, true), null, null,
                bugs);
        kernel.runOn(2, "submit", () -> {
            q.setSoftirqDoneFn(this::softirqDoneFn);
            q.setRqTimedOutFn(r -> {
                r.setErrors(Errno.EIO.negative());
                return RequestQueue.EhTimerReturn.HANDLED;
            });
            q.setRqTimeout(1);
            q.queueLock().lockIrq();
            BlkDispatch.blkStopQueue(q);
            q.queueLock().unlockIrq();
            BlkQueueBio.blkQueueBio(q, bio);
        });
        kernel.runOn(0, "start", () -> {
            q.queueLock().lockIrq();
            BlkDispatch.blkStartQueue(q); // runs request_fn here
            q.queueLock().unlockIrq();
        });
        if (rq == null) {
            throw new IllegalStateException("the driver did not fetch the request");
        }
    }

    /** The driver's {@code request_fn}: fetch (starts the request, arms its timeout) and keep it. */
    private void requestFn(RequestQueue queue) {
        Request r;
        while ((r = BlkDispatch.blkFetchRequest(queue)) != null) {
            rq = r;
        }
    }

    /** The driver's {@code softirq_done_fn}, in {@code BLOCK_SOFTIRQ}. */
    private void softirqDoneFn(Request r) {
        try {
            BlkEnd.blkEndRequestAll(r, r.errors());
        } catch (KernelBug use) {
            secondEnds.incrementAndGet();
        }
    }

    /** Actor: the completion interrupt on CPU 1 calls {@code blk_complete_request}. */
    void driverIrq() {
        kernel.runOn(1, "irq", () -> kernel.hardirq("mybrd", () -> {
            try {
                BlkSoftirq.blkCompleteRequest(rq);
            } catch (KernelBug use) {
                secondEnds.incrementAndGet(); // the request was already ended and freed
            }
        }));
    }

    /** Actor: the local timer interrupt on CPU 0, one jiffy later: the request's deadline. */
    void timerTick() {
        kernel.runOn(0, "timer", () -> q.timers().tick(1));
    }

    /** Arbiter's first step: every CPU takes its IPIs and runs its softirqs. */
    void settle() {
        for (int round = 0; round < 2; round++) {
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "settle", () -> { });
            }
        }
    }

    /** How many times the bio was ended ({@code bio_endio}). */
    int ends() {
        return bio.endioCalls();
    }

    /** {@link #DRIVER}, {@link #TIMEOUT} or {@link #NOBODY}, from the bio's status. */
    int endedBy() {
        if (!bio.ended()) {
            return NOBODY;
        }
        return bio.status() == BlkStatus.OK ? DRIVER : bio.status() == BlkStatus.IOERR ? TIMEOUT : -1;
    }

    /** Ends of the already freed request that the model stopped. */
    int secondEnds() {
        return secondEnds.get();
    }
}
