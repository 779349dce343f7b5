package dev.mybrd.stress.requestmode;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkBug;
import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkQueueBio;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestList;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A full request list, a task that needs one more request and a request being freed, for the
 * {@code GetRequestWakeUp*} tests (P14). Not a test.
 *
 * <p>A 2-CPU machine with a request-mode queue whose driver ({@code request_fn}) fetches every
 * request and keeps it, {@code nr_requests} lowered to {@link RequestQueue#BLKDEV_MIN_RQ} (4) and four
 * writes in flight, so the async class is {@code FULL}.
 * <ul>
 *   <li>{@link #sleeper}, on CPU 0: a fifth write; {@code get_request} finds the list full, registers
 *       on {@code rl->wait[async]} and sleeps, unless the free came first; it returns once its bio
 *       has a request and the driver has fetched it.</li>
 *   <li>{@link #freer}, on CPU 1: the driver ends one request ({@code blk_end_request_all}), whose
 *       {@code freed_request} wakes a sleeper, then watches under {@code queue_lock} until the sleeper
 *       has its request. If it ever sees a task registered on {@code rl->wait[async]} while a request
 *       is free ({@code count + 1 <= nr_requests}), that task missed its wake-up: in the kernel
 *       {@code freed_request} wakes every waiter it can see under the same lock hold that frees the
 *       slot, and a task that finds a free slot does not register. The watcher then does what the
 *       kernel would eventually do, end a second request (the "next free"), which wakes the sleeper.</li>
 * </ul>
 * So a lost wake-up is read off the model's state, not off a timeout: the result is how many frees
 * the sleeper needed. The watch is bounded ({@link #WATCH_NANOS}); past it the sample fails naming
 * what it waited for.
 */
final class GetRequestWakeUp {
    /** Bound on the watch: a sleeper that never gets a request fails the sample, it does not hang it. */
    static final long WATCH_NANOS = 10_000_000_000L;

    private final Kernel kernel = new Kernel(2);
    private final RequestQueue q;
    private final RequestList rl;
    private final List<Request> held = new ArrayList<>();
    private final Bio mine = write(1_000);
    private volatile boolean sleeperDone;
    private volatile boolean slept;
    private int frees;

    GetRequestWakeUp(Set<BlkBug> bugs) {
        SpinLock lock = new SpinLock(kernel, "stress_queue_lock");
        q = RequestQueue.initQueue(kernel, this::requestFn, lock, new QueueLimits(512, 1024, true), null, null,
                bugs);
        rl = q.requestList();
        kernel.addSchedSubmitWork(task -> slept = true); // schedule() with a sleeping state: it goes to sleep
        kernel.runOn(0, "init", () -> {
            rl.blkUpdateNrRequests(RequestQueue.BLKDEV_MIN_RQ);
            for (int i = 0; i < RequestQueue.BLKDEV_MIN_RQ; i++) {
                BlkQueueBio.blkQueueBio(q, write(100L * i));
            }
        });
        if (held.size() != RequestQueue.BLKDEV_MIN_RQ || !rl.full(false)) {
            throw new IllegalStateException("set-up: expected a full list, got " + rl + " and " + held.size() + " held");
        }
    }

    private static Bio write(long sector) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), Bio.SECTOR_SIZE, 0);
    }

    /** The driver's {@code request_fn}: fetch and keep. */
    private void requestFn(RequestQueue queue) {
        Request r;
        while ((r = BlkDispatch.blkFetchRequest(queue)) != null) {
            synchronized (held) {
                held.add(r);
            }
        }
    }

    /** Actor: a task that submits one more write; returns when the driver holds its request. */
    void sleeper() {
        kernel.runOn(0, "sleeper", () -> BlkQueueBio.blkQueueBio(q, mine));
        sleeperDone = true;
    }

    /** Actor: the driver ends one request, then watches for a sleeper that missed the wake-up. */
    void freer() {
        kernel.runOn(1, "freer", () -> {
            endOldest();
            long start = System.nanoTime();
            while (!sleeperDone) {
                if (lostWakeUp()) {
                    endOldest(); // the next free: the only thing that wakes the sleeper now
                } else if (System.nanoTime() - start > WATCH_NANOS) {
                    throw new IllegalStateException("the sleeper has no request after " + WATCH_NANOS / 1_000_000
                            + " ms: " + rl + ", waiters " + rl.waiters(false));
                }
                Thread.onSpinWait();
            }
        });
    }

    /** Under {@code queue_lock}: a task registered on {@code rl->wait[async]} although a request is free. */
    private boolean lostWakeUp() {
        q.queueLock().lockIrq();
        try {
            return rl.waiters(false) > 0 && rl.count(false) + 1 <= rl.nrRequests();
        } finally {
            q.queueLock().unlockIrq();
        }
    }

    /** {@code blk_end_request_all} on the oldest request the driver holds: frees one slot. */
    private void endOldest() {
        Request r;
        synchronized (held) {
            r = held.remove(0);
        }
        frees++;
        BlkEnd.blkEndRequestAll(r, 0);
    }

    /** Frees the sleeper needed before it got its request: 1, or 2 after a lost wake-up. */
    int frees() {
        return frees;
    }

    /** Whether the task went to sleep in {@code get_request} (1) or found a free slot at once (0). */
    int slept() {
        return slept ? 1 : 0;
    }

    /** Requests allocated at the end: 4 after one free and the sleeper's allocation. */
    int allocated() {
        return kernel.runOn(0, "check", () -> {
            q.queueLock().lockIrq();
            try {
                return rl.count(false);
            } finally {
                q.queueLock().unlockIrq();
            }
        });
    }

    /** Whether the sleeper's bio reached the driver (1) and is not ended (the driver keeps it). */
    int sleeperHeld() {
        synchronized (held) {
            for (Request r : held) {
                if (r.bios().contains(mine)) {
                    return 1;
                }
            }
        }
        return 0;
    }
}
