package dev.mybrd.stress.mq;

import dev.mybrd.blkmq.BlkMqOps;
import dev.mybrd.blkmq.BlkMqQueue;
import dev.mybrd.blkmq.BlkMqRequest;
import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One started blk-mq request whose completion races its timeout, for the {@code MqCompletionVsTimeout*}
 * tests. Not a test.
 *
 * <p>A 3-CPU machine with one hardware queue of depth 2 and {@code QUEUE_FLAG_SAME_COMP} on; the
 * driver's {@code queue_rq} starts the request and keeps it, its {@code timeout} op sets {@code -EIO}
 * and answers {@code BLK_EH_HANDLED}, its {@code complete} op ends the request with
 * {@code rq->errors}. The bio is submitted from CPU 2, so its ctx is CPU 2's and every claimed
 * completion goes there by IPI ({@code __blk_mq_complete_request_remote}).
 * <ul>
 *   <li>{@link #driverIrq}: the driver's interrupt on CPU 1. Correct: {@code blk_mq_complete_request},
 *       which claims {@code REQ_ATOM_COMPLETE}. Seeded ({@code COMPLETION_AND_TIMEOUT_BOTH_END}, the
 *       mybrd driver's deviation): {@code blk_mq_end_request} directly, with no claim.</li>
 *   <li>{@link #timerTick}: the request's deadline passes on CPU 0 and {@code blk_mq_rq_timer} scans
 *       the busy tags; if it wins the COMPLETE bit the request goes to {@code blk_mq_rq_timed_out}.</li>
 *   <li>{@link #settle}: every CPU takes its IPIs, so each claimed completion ends the request on
 *       CPU 2 before the arbiter looks.</li>
 * </ul>
 * As in the legacy {@code CompletionVsTimeout}, ending on a third CPU keeps the request alive across
 * both claims; the model stops an end of an already freed request (KASAN's use-after-free) with a
 * {@link KernelBug}, counted here as a second end.
 */
final class MqCompletionVsTimeout {
    static final int NOBODY = 0;
    static final int DRIVER = 1;
    static final int TIMEOUT = 2;

    private final Kernel kernel = new Kernel(3);
    private final boolean claim;
    private final BlkMqQueue q;
    private final Bio bio = Bio.of(ReqOp.WRITE, 0).addPage(Page.buffer(), Bio.SECTOR_SIZE, 0);
    private final AtomicInteger secondEnds = new AtomicInteger();
    private volatile BlkMqRequest rq;

    /** @param claim whether the driver completes through {@code blk_mq_complete_request} */
    MqCompletionVsTimeout(boolean claim) {
        this.claim = claim;
        BlkMqQueue[] self = new BlkMqQueue[1];
        BlkMqOps ops = new BlkMqOps() {
            @Override
            public QueueRqResult queueRq(dev.mybrd.blkmq.BlkMqHwCtx hctx, BlkMqRequest r, boolean last) {
                self[0].startRequest(r);
                rq = r;
                return QueueRqResult.OK;
            }

            @Override
            public Consumer<BlkMqRequest> complete() {
                return MqCompletionVsTimeout.this::completeFn;
            }

            @Override
            public RequestQueue.EhTimerReturn timeout(BlkMqRequest r) {
                r.setErrors(Errno.EIO.negative());
                return RequestQueue.EhTimerReturn.HANDLED;
            }
        };
        q = new BlkMqQueue(kernel, "stress_mq", new BlkMqTagSet(kernel, 1, 2, 0, 0, 0), ops, 1024, Set.of());
        self[0] = q;
        q.setSameComp(true);
        q.setRqTimeout(1);
        kernel.runOn(2, "submit", () -> q.makeRequest(bio));
        if (rq == null) {
            throw new IllegalStateException("queue_rq did not see the request");
        }
    }

    /** The driver's {@code complete} op, on the submitting CPU: {@code blk_mq_end_request}. */
    private void completeFn(BlkMqRequest r) {
        try {
            q.endRequest(r, r.errors());
        } catch (KernelBug use) {
            secondEnds.incrementAndGet();
        }
    }

    /** Actor: the completion interrupt on CPU 1. */
    void driverIrq() {
        kernel.runOn(1, "irq", () -> kernel.hardirq("mybrd", () -> {
            try {
                if (claim) {
                    q.completeRequest(rq, 0);
                } else {
                    q.endRequest(rq, 0); // seeded: no REQ_ATOM_COMPLETE claim
                }
            } catch (KernelBug use) {
                secondEnds.incrementAndGet();
            }
        }));
    }

    /** Actor: one jiffy passes on CPU 0, then the timeout timer scans the busy tags. */
    void timerTick() {
        kernel.runOn(0, "timer", () -> {
            q.advanceJiffies(1);
            return q.timeoutScan();
        });
    }

    /** Arbiter's first step: every CPU takes its IPIs. */
    void settle() {
        for (int round = 0; round < 2; round++) {
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                kernel.runOn(cpu, "settle", () -> { });
            }
        }
    }

    int ends() {
        return bio.endioCalls();
    }

    int endedBy() {
        if (!bio.ended()) {
            return NOBODY;
        }
        return bio.status() == BlkStatus.OK ? DRIVER : bio.status() == BlkStatus.IOERR ? TIMEOUT : -1;
    }

    int secondEnds() {
        return secondEnds.get();
    }
}
