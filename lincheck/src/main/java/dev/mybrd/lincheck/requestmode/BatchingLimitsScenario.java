package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.BlkBug;
import dev.mybrd.block.IoContext;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestList;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * P13 with io_context batching ({@code __get_request}, {@code ioc_batching}, v4.4), played step by
 * step on one CPU with {@code blk_get_request(GFP_ATOMIC)}, so every refusal is an answer instead of
 * a sleep. Three phases, each on the async class:
 * <ol>
 *   <li><b>Allowance</b> ({@code nr_requests} 128): one task allocates until refused. Its 128th
 *       request fills the class: it sets {@code FULL} and becomes a batcher with
 *       {@code nr_batching} = 32, one of which that request costs; it must then get exactly 31 more
 *       (159 in all) and be refused. Another task is refused while {@code FULL} stands, also after one
 *       free (the flag clears only when {@code count + 1 <= nr_requests} again).</li>
 *   <li><b>Time</b>: below the limit again, a second task fills the class, is a batcher, gets one
 *       more, and is refused once {@code BLK_BATCH_TIME} jiffies have passed.</li>
 *   <li><b>Cap</b> ({@code nr_requests} 16): a batcher whose allowance would reach 47 stops at
 *       {@code 3 * 16 / 2} = 24.</li>
 * </ol>
 * After every allocation {@code count <= 1.5 x nr_requests} (the model also asserts it in
 * {@code __get_request}, as a kernel BUG). Seeded: {@link BlkBug#BATCHING_UNCAPPED} (v2.6.11's
 * allocator, phase 3). Returns null, or the violation.
 */
public final class BatchingLimitsScenario {
    private static final int BOUND = 1000;

    private BatchingLimitsScenario() {
    }

    public static String run(Set<BlkBug> bugs) {
        String v = allowanceAndFull(bugs);
        if (v == null) {
            v = cap(bugs);
        }
        return v;
    }

    private static RequestQueue queue(Kernel kernel, Set<BlkBug> bugs) {
        return RequestQueue.initQueue(kernel, qq -> { }, new SpinLock(kernel, "queue_lock"),
                new QueueLimits(512, 1024, true), null, null, bugs);
    }

    /** Phases 1 and 2 on the default {@code nr_requests}. */
    private static String allowanceAndFull(Set<BlkBug> bugs) {
        Kernel kernel = new Kernel(2);
        RequestQueue q = queue(kernel, bugs);
        RequestList rl = q.requestList();
        int nr = rl.nrRequests();
        Deque<Request> held = new ArrayDeque<>();
        String v = kernel.runOn(0, "batcher", () -> {
            int got = allocateUntilRefused(q, held);
            int expected = nr + q.nrBatching() - 1;
            if (got != expected) {
                return "phase allowance: one task got " + got + " requests with nr_requests " + nr + "; a batcher's "
                        + "allowance of nr_batching " + q.nrBatching() + " (one spent on the request that set FULL) "
                        + "allows " + expected + "; " + IoContext.current(kernel) + ", " + rl;
            }
            return overCap(rl);
        });
        if (v != null) {
            return v;
        }
        v = nonBatcherRefused(kernel, q, "while FULL");
        while (v == null && rl.count(false) > nr) {
            kernel.runOn(1, "put", () -> q.blkPutRequest(held.pop()));
            if (rl.count(false) == nr) {
                v = nonBatcherRefused(kernel, q, "at count == nr_requests after frees");
            }
        }
        if (v != null) {
            return v;
        }
        kernel.runOn(1, "put", () -> q.blkPutRequest(held.pop())); // count + 1 <= nr_requests: FULL clears
        if (rl.full(false)) {
            return "phase allowance: FULL still set at count " + rl.count(false) + " < nr_requests " + nr;
        }
        return batchExpires(kernel, q, held);
    }

    /** Phase 2: a fresh batcher gets one more, then nothing once BLK_BATCH_TIME has passed. */
    private static String batchExpires(Kernel kernel, RequestQueue q, Deque<Request> held) {
        RequestList rl = q.requestList();
        return kernel.runOn(0, "batcher2", () -> {
            Request first = q.blkGetRequest(true, false); // fills the class: FULL, batcher
            Request second = q.blkGetRequest(true, false);
            if (first == null || second == null || !rl.full(false)) {
                return "phase time: the task that filled the class is no batcher: " + first + ", " + second + ", " + rl;
            }
            held.push(first);
            held.push(second);
            q.timers().tick(RequestQueue.BLK_BATCH_TIME);
            Request late = q.blkGetRequest(true, false);
            if (late != null) {
                return "phase time: a batcher got a request " + RequestQueue.BLK_BATCH_TIME + " jiffies after it became "
                        + "one (BLK_BATCH_TIME) with a used allowance; " + IoContext.current(kernel) + ", jiffies "
                        + q.timers().jiffies() + ", " + rl;
            }
            return overCap(rl);
        });
    }

    /** Phase 3: a batcher with allowance to spare stops at 1.5 x nr_requests. */
    private static String cap(Set<BlkBug> bugs) {
        Kernel kernel = new Kernel(2);
        RequestQueue q = queue(kernel, bugs);
        RequestList rl = q.requestList();
        kernel.runOn(1, "sysfs", () -> rl.blkUpdateNrRequests(16));
        Deque<Request> held = new ArrayDeque<>();
        return kernel.runOn(0, "batcher", () -> {
            int got = allocateUntilRefused(q, held);
            int cap = 3 * rl.nrRequests() / 2;
            if (got != cap) {
                return "phase cap: a batcher got " + got + " requests with nr_requests " + rl.nrRequests()
                        + "; the cap is 3 * nr_requests / 2 = " + cap + "; " + IoContext.current(kernel) + ", " + rl;
            }
            return overCap(rl);
        });
    }

    /** The current task allocates with GFP_ATOMIC until refused; how many it got. */
    private static int allocateUntilRefused(RequestQueue q, Deque<Request> held) {
        int got = 0;
        for (int i = 0; i < BOUND; i++) {
            Request rq = q.blkGetRequest(true, false);
            if (rq == null) {
                break;
            }
            held.push(rq);
            got++;
            if (overCap(q.requestList()) != null) {
                break;
            }
        }
        return got;
    }

    /** A new task, no batcher, must be refused. */
    private static String nonBatcherRefused(Kernel kernel, RequestQueue q, String when) {
        RequestList rl = q.requestList();
        return kernel.runOn(1, "other", () -> {
            Request rq = q.blkGetRequest(true, false);
            if (rq != null) {
                return "a task that is no batcher got " + rq + " " + when + ": " + rl;
            }
            return null;
        });
    }

    private static String overCap(RequestList rl) {
        int count = rl.count(false);
        return count > 3 * rl.nrRequests() / 2 ? "rl->count[async] = " + count + " above 1.5 x nr_requests "
                + rl.nrRequests() + ": " + rl : null;
    }
}
