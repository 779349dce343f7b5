package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.BlkBug;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestList;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * P14 with batching: a task woken in {@code get_request} gets its request, even when another task
 * takes the room the free made before the woken one runs again. The race, played deterministically on
 * a one-CPU machine ({@code nr_requests} 4, the async class full and {@code FULL}):
 * <ol>
 *   <li>the sleeper calls {@code blk_get_request(GFP_NOIO)}, is refused and sleeps on
 *       {@code rl->wait[async]};</li>
 *   <li>a driver task puts one request back ({@code freed_request}: count 3, {@code FULL} cleared,
 *       the sleeper woken) and, before giving up the only CPU, allocates one itself: it fills the
 *       class again, sets {@code FULL} and becomes the batcher;</li>
 *   <li>the sleeper runs: after {@code io_schedule} it became a batcher ({@code ioc_set_batching}),
 *       and a fresh allowance is never refused, so it gets a request (count 5, under the cap of 6).</li>
 * </ol>
 * With {@link BlkBug#WOKEN_SLEEPER_NOT_BATCHING} the woken task is no batcher, finds {@code FULL} and
 * sleeps again: the wake-up it consumed is lost, and with no further free it would sleep for ever. The
 * scenario waits (bounded) until the sleeper has either its request or is back on the wait queue, and
 * reports the second; then frees one more request so the sleeper can finish. Returns null, or the
 * violation.
 */
public final class WokenSleeperScenario {
    private static final long BOUND_MILLIS = 10_000;

    private WokenSleeperScenario() {
    }

    public static String run(Set<BlkBug> bugs) throws InterruptedException {
        Kernel kernel = new Kernel(1);
        RequestQueue q = RequestQueue.initQueue(kernel, qq -> { }, new SpinLock(kernel, "queue_lock"),
                new QueueLimits(512, 1024, true), null, null, bugs);
        RequestList rl = q.requestList();
        Deque<Request> held = new ArrayDeque<>();
        kernel.runOn(0, "fill", () -> {
            rl.blkUpdateNrRequests(4);
            for (int i = 0; i < 4; i++) {
                held.push(q.blkGetRequest(true, false));
            }
        });
        AtomicReference<Request> got = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sleeper = new Thread(() -> {
            try {
                got.set(kernel.runOn(0, "sleeper", () -> q.blkGetRequest(true, true)));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "sleeper");
        sleeper.start();
        if (!await(() -> waiters(kernel, rl) == 1 || !sleeper.isAlive())) {
            return "the sleeper never slept on a FULL class: " + rl;
        }
        if (!sleeper.isAlive()) {
            return "the sleeper got " + got.get() + " from a FULL class without sleeping (" + failure.get() + "): " + rl;
        }
        Request rival = kernel.runOn(0, "driver", () -> {
            q.blkPutRequest(held.pop());
            return q.blkGetRequest(true, false);
        });
        if (rival == null) {
            return "the driver task did not get the freed room (expected it to set FULL and batch): " + rl;
        }
        String violation = null;
        if (!await(() -> !sleeper.isAlive() || waiters(kernel, rl) == 1)) {
            violation = "the woken sleeper neither got a request nor slept again within " + BOUND_MILLIS + " ms: " + rl;
        } else if (sleeper.isAlive()) {
            violation = "the woken sleeper went back to sleep: its wake-up was lost to a task that took the freed "
                    + "request and set FULL, and without ioc_set_batching after io_schedule it is refused; "
                    + "with no further free it sleeps for ever: " + rl;
            kernel.runOn(0, "rescue", () -> q.blkPutRequest(held.pop()));
        }
        sleeper.join(BOUND_MILLIS);
        if (sleeper.isAlive()) {
            return (violation == null ? "" : violation + "; ") + "the sleeper is still asleep: " + rl;
        }
        if (failure.get() != null) {
            return "the sleeper failed: " + failure.get();
        }
        if (violation == null && got.get() == null) {
            return "the woken sleeper returned without a request: " + rl;
        }
        int count = rl.count(false);
        if (violation == null && count > 3 * rl.nrRequests() / 2) {
            return "rl->count[async] = " + count + " above 1.5 x nr_requests: " + rl;
        }
        return violation;
    }

    private static int waiters(Kernel kernel, RequestList rl) {
        return kernel.runOn(0, "ps", () -> rl.waiters(false));
    }

    private interface Condition {
        boolean holds();
    }

    /** Polls until the condition holds, at most {@link #BOUND_MILLIS}; whether it did. */
    private static boolean await(Condition c) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_MILLIS * 1_000_000;
        while (!c.holds()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }
}
