package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkBug;
import dev.mybrd.block.BlkDispatch;
import dev.mybrd.block.BlkEnd;
import dev.mybrd.block.BlkQueueBio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.Request;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * P21, no bio merges into a request the driver has started: the race the model checker would need
 * many invocations to meet, played deterministically. A driver fetches the request for bio A and,
 * with {@code queue_lock} dropped, walks its bios to move their data; meanwhile bio B, contiguous with
 * A, is submitted from another CPU; then the driver ends the request. Correct: B gets a request of its
 * own (A's left the merge structures at dispatch and is {@code REQ_STARTED}). With
 * {@link BlkBug#MERGE_INTO_STARTED}, B joins A's request after the walk and is ended with success
 * although the driver never saw it. Returns null, or the violation.
 */
public final class MergeIntoStartedScenario {
    private MergeIntoStartedScenario() {
    }

    public static String run(Set<BlkBug> bugs) {
        Kernel kernel = new Kernel(4);
        List<Request> held = new ArrayList<>();
        RequestQueue q = RequestQueue.initQueue(kernel, qq -> {
            Request rq;
            while ((rq = BlkDispatch.blkFetchRequest(qq)) != null) {
                held.add(rq);
            }
        }, new SpinLock(kernel, "queue_lock"), new QueueLimits(512, 1024, true), null, null, bugs);
        Bio a = Bio.of(ReqOp.WRITE, 0).addPage(Page.buffer(), 4096, 0);
        Bio b = Bio.of(ReqOp.WRITE, 8).addPage(Page.buffer(), 4096, 0);
        kernel.runOn(0, "submit A", () -> BlkQueueBio.blkQueueBio(q, a));
        Request rqA = held.remove(0);
        List<Bio> moved = kernel.runOn(0, "request_fn walk", rqA::bios);
        kernel.runOn(1, "submit B", () -> BlkQueueBio.blkQueueBio(q, b));
        kernel.runOn(0, "end A", () -> BlkEnd.blkEndRequestAll(rqA, 0));
        if (b.ended() && b.status() == BlkStatus.OK && !moved.contains(b)) {
            return "bio B " + b + " merged into started request " + rqA + " and ended with success; the driver moved only "
                    + moved;
        }
        for (Request r : held) {
            kernel.runOn(0, "end", () -> BlkEnd.blkEndRequestAll(r, 0));
        }
        return b.endioCalls() == 1 && a.endioCalls() == 1 ? null : "bios ended " + a.endioCalls() + " and "
                + b.endioCalls() + " times";
    }
}
