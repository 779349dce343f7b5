package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkBug;
import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkQueueBio;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import java.util.ArrayDeque;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * P14, no lost wake-up in {@code get_request}: a legacy queue with {@code nr_requests = 4} whose test
 * driver fetches requests and holds them, and four held at the start, so the async class is
 * {@code FULL}. A submitter then sleeps in {@code get_request} on {@code rl->wait[async]} until a
 * completion frees a request ({@code freed_request} wakes one exclusive waiter). The kernel registers
 * the waiter before dropping {@code queue_lock}, so the free cannot fall between the failed check and
 * the registration; with {@link BlkBug#GET_REQUEST_REGISTER_AFTER_UNLOCK} it can, the wake-up finds
 * nobody, and the submitter sleeps for ever: Lincheck reports the execution as hung, with the
 * interleaving. Every result is a constant ({@link GetRequestSleeperSpec}).
 */
public class GetRequestSleeper {
    protected final Kernel kernel = new Kernel(4);
    private final ArrayDeque<Request> held = new ArrayDeque<>();
    protected final RequestQueue q;

    public GetRequestSleeper() {
        SpinLock lock = new SpinLock(kernel, "queue_lock");
        q = RequestQueue.initQueue(kernel, qq -> {
            Request rq;
            while ((rq = BlkDispatch.blkFetchRequest(qq)) != null) {
                held.addLast(rq); // under queue_lock
            }
        }, lock, new QueueLimits(512, 1024, true), null, null, bugs());
        kernel.runOn(0, "init", () -> {
            q.requestList().blkUpdateNrRequests(4);
            for (int i = 0; i < 4; i++) {
                BlkQueueBio.blkQueueBio(q, write(100L * i));
            }
        });
    }

    /** The seeded bugs; none in the model under check. */
    protected Set<BlkBug> bugs() {
        return Set.of();
    }

    private static Bio write(long sector) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), 4096, 0);
    }

    /** A submitter on CPU {@code cpu}: returns 1 once it has its request (it may sleep for it). */
    @Operation
    public int submit(int cpu) {
        return kernel.runOn(cpu, "submitter" + cpu, () -> {
            BlkQueueBio.blkQueueBio(q, write(10_000L + cpu * 100L));
            return 1;
        });
    }

    /** The driver completes its oldest held request on CPU {@code cpu}; 0. */
    @Operation
    public int complete(int cpu) {
        return kernel.runOn(cpu, "completer" + cpu, () -> {
            q.queueLock().lockIrq();
            Request rq = held.pollFirst();
            q.queueLock().unlockIrq();
            if (rq != null) {
                BlkEnd.blkEndRequestAll(rq, 0);
            }
            return 0;
        });
    }
}
