package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The blk-mq core with a driver that records what it is given: each step of run/dispatch, deterministic. */
class BlkMqQueueTest {
    private final Kernel kernel = new Kernel();
    private final List<BlkMqRequest> dispatched = new ArrayList<>();
    private BlkMqOps.QueueRqResult answer = BlkMqOps.QueueRqResult.OK;
    private BlkMqQueue q;

    /** A driver that ends each request at once, or answers {@link #answer}. */
    private BlkMqQueue queue(int hw, int depth, Set<MqBug> bugs) {
        q = new BlkMqQueue(kernel, "t", new BlkMqTagSet(kernel, hw, depth, 0, 8, BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE),
                (hctx, rq, last) -> {
                    dispatched.add(rq);
                    if (answer != BlkMqOps.QueueRqResult.OK) {
                        return answer;
                    }
                    q.startRequest(rq);
                    q.endRequest(rq, 0);
                    return BlkMqOps.QueueRqResult.OK;
                }, 1024, bugs);
        return q;
    }

    private int len() {
        return kernel.runOn(0, "peek", () -> q.hctx(0).dispatchLength());
    }

    private static Bio bio(ReqOp op, long sector) {
        return Bio.of(op, sector).addPage(Page.buffer(), 4096, 0);
    }

    @Test
    void aSyncSubmitRunsTheQueueInlineAndEndsTheBio() {
        queue(1, 4, Set.of());
        long base = q.freeze().usageCounter().count();
        Bio b = bio(ReqOp.WRITE, 0);
        kernel.runOn(2, "io", () -> q.makeRequest(b));
        assertThat(b.status()).isEqualTo(BlkStatus.OK);
        assertThat(dispatched).hasSize(1);
        assertThat(dispatched.get(0).mqCtx().cpu()).isEqualTo(2);
        assertThat(q.hctx(0).ctxMap()).isZero();
        assertThat(q.freeze().usageCounter().count()).as("every enter has its exit").isEqualTo(base);
    }

    @Test
    void busyLeavesTheRequestOnDispatchWithARunScheduledAndTheNextRunTakesItFirst() {
        queue(1, 4, Set.of());
        answer = BlkMqOps.QueueRqResult.BUSY;
        Bio b = bio(ReqOp.WRITE, 0);
        kernel.runOn(0, "io", () -> q.makeRequest(b));
        assertThat(b.ended()).isFalse();
        assertThat(len()).isEqualTo(1);
        assertThat(q.hctx(0).runWorkPending()).as("async re-run after BUSY").isTrue();
        assertThat(dispatched.get(0).started()).isFalse();
        answer = BlkMqOps.QueueRqResult.OK;
        kernel.runOn(1, "kblockd", () -> q.runPendingWork());
        assertThat(b.status()).isEqualTo(BlkStatus.OK);
        assertThat(len()).isZero();
    }

    @Test
    void seededBusyLeftoversDroppedLoseTheRequest() {
        queue(1, 4, Set.of(MqBug.BUSY_LEFTOVERS_DROPPED));
        answer = BlkMqOps.QueueRqResult.BUSY;
        Bio b = bio(ReqOp.WRITE, 0);
        kernel.runOn(0, "io", () -> q.makeRequest(b));
        answer = BlkMqOps.QueueRqResult.OK;
        kernel.runOn(1, "kblockd", () -> q.runPendingWork());
        kernel.runOn(1, "run", () -> q.runHwQueues(false));
        assertThat(b.ended()).isFalse();
        assertThat(len()).isZero();
        assertThat(kernel.runOn(0, "report", q::inFlightReport)).contains("1 tag(s) of hctx0 held");
    }

    @Test
    void errorEndsTheRequestWithEio() {
        queue(1, 4, Set.of());
        answer = BlkMqOps.QueueRqResult.ERROR;
        Bio b = bio(ReqOp.READ, 0);
        kernel.runOn(0, "io", () -> q.makeRequest(b));
        assertThat(b.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(kernel.runOn(0, "report", q::inFlightReport)).isEmpty();
    }

    @Test
    void aStoppedQueueHoldsRequestsUntilStarted() {
        queue(1, 4, Set.of());
        kernel.runOn(0, "stop", () -> q.stopHwQueue(q.hctx(0)));
        Bio b = bio(ReqOp.WRITE, 0);
        kernel.runOn(0, "io", () -> q.makeRequest(b));
        assertThat(dispatched).isEmpty();
        assertThat(q.hctx(0).ctxMap()).as("pending bit of ctx0").isEqualTo(1L);
        kernel.runOn(1, "start", () -> q.startHwQueue(q.hctx(0)));
        assertThat(b.status()).isEqualTo(BlkStatus.OK);
    }

    @Test
    void contiguousBiosMergeIntoOneRequestOnTheCtxList() {
        queue(1, 4, Set.of());
        kernel.runOn(0, "stop", () -> q.stopHwQueue(q.hctx(0)));
        Bio a = bio(ReqOp.WRITE, 0);
        Bio b = bio(ReqOp.WRITE, 8);
        Bio c = bio(ReqOp.READ, 16);
        kernel.runOn(0, "io", () -> {
            q.makeRequest(a);
            q.makeRequest(b);
            q.makeRequest(c);
        });
        assertThat(q.mergedCount()).isEqualTo(1);
        assertThat(kernel.runOn(0, "peek", () -> q.ctx(0).queued())).isEqualTo(2);
        kernel.runOn(0, "start", () -> q.startHwQueue(q.hctx(0)));
        assertThat(dispatched).hasSize(2);
        assertThat(List.of(a, b, c)).allMatch(x -> x.status() == BlkStatus.OK);
    }

    @Test
    void anInsertBetweenSpliceAndClearIsStillPendingWhenTheBitIsClearedFirst() {
        assertThat(strandedAfterRaceyInsert(Set.of())).isFalse();
    }

    @Test
    void seededPendingBitClearedAfterSpliceStrandsTheInsert() {
        assertThat(strandedAfterRaceyInsert(Set.of(MqBug.CTX_PENDING_CLEARED_AFTER_SPLICE))).isTrue();
    }

    /** While a run flushes ctx0, another request lands on ctx0 (queue stopped so it does not run itself). */
    private boolean strandedAfterRaceyInsert(Set<MqBug> bugs) {
        queue(1, 4, bugs);
        Bio late = bio(ReqOp.WRITE, 64);
        boolean[] once = {false};
        q.setAfterSpliceHook(() -> {
            if (!once[0]) {
                once[0] = true;
                q.stopHwQueue(q.hctx(0));
                q.makeRequest(late); // inserted on ctx0, pending bit set, no run: stopped
                q.hctx(0).clearStopped();
            }
        });
        kernel.runOn(0, "io", () -> q.makeRequest(bio(ReqOp.WRITE, 0)));
        q.setAfterSpliceHook(null);
        kernel.runOn(1, "kblockd", () -> q.runHwQueues(false)); // runs only hctxs with pending work
        return !late.ended() && q.ctx(0).queuedUnlocked() == 1 && q.hctx(0).ctxMap() == 0;
    }

    @Test
    void twoHardwareQueuesEachDispatchTheirOwnCpusRequests() {
        queue(2, 4, Set.of());
        for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
            int c = cpu;
            kernel.runOn(cpu, "io", () -> q.makeRequest(bio(ReqOp.WRITE, c * 8L)));
        }
        assertThat(dispatched).hasSize(kernel.nrCpus());
        for (BlkMqRequest rq : dispatched) {
            assertThat(rq.hctx()).isSameAs(q.mapQueueHctx(rq.mqCtx().cpu()));
        }
    }
}
