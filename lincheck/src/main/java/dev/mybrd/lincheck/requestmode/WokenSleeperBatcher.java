package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.BlkBug;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * P14 with batching under the model checker: the race of {@link WokenSleeperScenario}, every
 * interleaving of its two tasks. {@code nr_requests} 4, four requests held, the async class
 * {@code FULL}. A sleeper asks for a request with {@code GFP_NOIO}; a driver task waits until the
 * sleeper is about to sleep on {@code rl->wait[async]} (so the free has somebody to wake; without that wait, a
 * driver that frees and re-allocates before the sleeper arrives leaves it asleep legitimately), then
 * puts one request back and at once allocates one with {@code GFP_ATOMIC}. Wherever the sleeper's
 * retry falls (before the driver's allocation, between its wake-up and {@code ioc_set_batching},
 * after it), it must get a request; the driver gets one or is refused. With
 * {@link BlkBug#WOKEN_SLEEPER_NOT_BATCHING} the order free, re-allocation, retry leaves the woken
 * sleeper asleep for ever: Lincheck reports the execution as hung. {@link #checkCap} checks P13 after
 * each execution. Every result is a constant ({@link WokenSleeperBatcherSpec}).
 */
public class WokenSleeperBatcher {
    private final Kernel kernel = new Kernel(2);
    private final ArrayDeque<Request> held = new ArrayDeque<>();
    private final RequestQueue q;
    private volatile Task sleeperTask;

    public WokenSleeperBatcher() {
        q = RequestQueue.initQueue(kernel, qq -> { }, new SpinLock(kernel, "queue_lock"),
                new QueueLimits(512, 1024, true), null, null, bugs());
        kernel.runOn(0, "fill", () -> {
            q.requestList().blkUpdateNrRequests(4);
            for (int i = 0; i < 4; i++) {
                held.push(q.blkGetRequest(true, false));
            }
        });
    }

    /** The seeded bugs; none in the model under check. */
    protected Set<BlkBug> bugs() {
        return Set.of();
    }

    /** The sleeper on CPU 0: 1 once it has its request (it sleeps for it). */
    @Operation
    public int sleeper() {
        return kernel.runOn(0, "sleeper", () -> {
            sleeperTask = kernel.current();
            return q.blkGetRequest(true, true) != null ? 1 : 0;
        });
    }

    /**
     * The driver task on CPU 1: once the sleeper is registered, frees one request and allocates one
     * without blocking (it may be refused); 0.
     */
    @Operation
    public int driver() {
        return kernel.runOn(1, "driver", () -> {
            while (!sleeperBlocked()) {
                Thread.onSpinWait();
            }
            q.blkPutRequest(held.pop());
            q.blkGetRequest(true, false);
            return 0;
        });
    }

    /**
     * Whether the sleeper has named what it sleeps on: {@code get_request} does that under
     * {@code queue_lock} just before it registers on the wait queue and drops the lock, so the free,
     * which takes the lock, comes after the registration.
     */
    private boolean sleeperBlocked() {
        Task t = sleeperTask;
        return t != null && !t.blockedOn().isEmpty();
    }

    /** P13 after the execution: {@code count <= 1.5 x nr_requests}. */
    @Validate
    public void checkCap() {
        int count = q.requestList().count(false);
        if (count > 3 * q.requestList().nrRequests() / 2) {
            throw new IllegalStateException("rl->count[async] = " + count + " above 1.5 x nr_requests: "
                    + q.requestList());
        }
    }
}
