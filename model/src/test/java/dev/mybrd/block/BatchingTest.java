package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * io_context batching in the legacy request allocator ({@link IoContext}, {@link RequestList}) and
 * {@code blk_get_request}/{@code blk_put_request}, step by step on the async class.
 */
class BatchingTest {
    private final Kernel kernel = new Kernel(2);

    private RequestQueue queue(BlkBug... bugs) {
        return RequestQueue.initQueue(kernel, q -> { }, new SpinLock(kernel, "queue_lock"),
                new QueueLimits(512, 1024, true), null, null, bugs.length == 0 ? Set.of() : Set.of(bugs));
    }

    private void nrRequests(RequestQueue q, int nr) {
        kernel.runOn(1, "sysfs", () -> q.requestList().blkUpdateNrRequests(nr));
    }

    @Test
    void aTaskGetsItsIoContextAtItsFirstRequestAndIsNoBatcherBelowTheLimit() {
        RequestQueue q = queue();
        kernel.runOn(0, "io", () -> {
            assertThat(IoContext.current(kernel)).isNull();
            Request rq = q.blkGetRequest(true, false);
            assertThat(rq).isNotNull();
            IoContext ioc = IoContext.current(kernel);
            assertThat(ioc).isNotNull();
            assertThat(ioc.nrBatchRequests()).isZero();
            assertThat(IoContext.iocBatching(q, ioc)).isFalse();
            assertThat(IoContext.createIoContext(kernel)).isSameAs(ioc);
            q.blkPutRequest(rq);
        });
        assertThat(q.requestList().count(false)).isZero();
    }

    @Test
    void theTaskThatFillsTheClassSetsFullAndBatchesItsAllowance() {
        RequestQueue q = queue();
        nrRequests(q, 8);
        Deque<Request> held = new ArrayDeque<>();
        kernel.runOn(0, "batcher", () -> {
            for (int i = 0; i < 7; i++) {
                held.push(q.blkGetRequest(true, false));
            }
            assertThat(q.requestList().full(false)).isFalse();
            held.push(q.blkGetRequest(true, false)); // count + 1 reaches nr_requests
            assertThat(q.requestList().full(false)).isTrue();
            IoContext ioc = IoContext.current(kernel);
            assertThat(ioc.nrBatchRequests()).isEqualTo(q.nrBatching() - 1);
            assertThat(ioc.lastWaited()).isEqualTo(q.timers().jiffies());
            for (int i = 0; i < 4; i++) {
                held.push(q.blkGetRequest(true, false)); // FULL, but a batcher: up to the cap of 12
            }
            assertThat(q.blkGetRequest(true, false)).as("3 * 8 / 2 = 12").isNull();
            assertThat(ioc.nrBatchRequests()).isEqualTo(q.nrBatching() - 5);
        });
        assertThat(q.requestList().count(false)).isEqualTo(12);
        assertThat(kernel.runOn(1, "other", () -> q.blkGetRequest(true, false))).as("no batcher").isNull();
        assertThat(kernel.runOn(1, "reader", () -> q.blkGetRequest(false, false))).as("the sync class is not full")
                .isNotNull();
    }

    @Test
    void aFreshAllowanceBuysOneRequestEvenAfterTheBatchTime() {
        RequestQueue q = queue();
        kernel.runOn(0, "io", () -> {
            IoContext ioc = IoContext.createIoContext(kernel);
            IoContext.iocSetBatching(q, ioc);
            q.timers().tick(RequestQueue.BLK_BATCH_TIME);
            assertThat(IoContext.iocBatching(q, ioc)).as("untouched allowance").isTrue();
            ioc.nrBatchRequests--;
            assertThat(IoContext.iocBatching(q, ioc)).as("used and expired").isFalse();
            IoContext.iocSetBatching(q, ioc);
            assertThat(ioc.nrBatchRequests()).isEqualTo(q.nrBatching());
            assertThat(ioc.lastWaited()).isEqualTo(RequestQueue.BLK_BATCH_TIME);
            ioc.nrBatchRequests--;
            q.timers().tick(RequestQueue.BLK_BATCH_TIME - 1);
            assertThat(IoContext.iocBatching(q, ioc)).as("used, 19 of 20 jiffies").isTrue();
            IoContext.iocSetBatching(q, ioc);
            assertThat(ioc.nrBatchRequests()).as("a running batch is not renewed").isEqualTo(q.nrBatching() - 1);
            q.timers().tick(1);
            assertThat(IoContext.iocBatching(q, ioc)).isFalse();
            ioc.nrBatchRequests = 0;
            assertThat(IoContext.iocBatching(q, ioc)).isFalse();
        });
        assertThat(IoContext.iocBatching(q, null)).isFalse();
    }

    @Test
    void seededBugsChangeOnlyTheirStep() {
        RequestQueue uncapped = queue(BlkBug.BATCHING_UNCAPPED);
        nrRequests(uncapped, 4);
        assertThatThrownBy(() -> kernel.runOn(0, "batcher", () -> {
            for (int i = 0; i < 7; i++) {
                uncapped.blkGetRequest(true, false);
            }
        })).isInstanceOf(KernelBug.class).hasMessageContaining("rl->count[0] = 7 above 1.5 x nr_requests 4");
    }

    @Test
    void blkPutRequestRefusesAForeignRequestAndBugsOnADoubleFree() {
        RequestQueue q = queue();
        RequestQueue other = queue();
        Request rq = kernel.runOn(0, "io", () -> q.blkGetRequest(true, false));
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> other.blkPutRequest(rq)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> q.blkPutRequest(null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(q.requestList().count(false)).isEqualTo(1);
        kernel.runOn(0, "io", () -> q.blkPutRequest(rq));
        assertThat(q.requestList().count(false)).isZero();
        assertThatThrownBy(() -> kernel.runOn(0, "io", () -> q.blkPutRequest(rq))).isInstanceOf(KernelBug.class);
    }

    @Test
    void blkGetRequestOnADyingQueueIsNullAndMayNotSleepWithInterruptsOff() {
        RequestQueue q = queue();
        assertThatThrownBy(() -> kernel.runOn(0, "atomic", () -> {
            q.queueLock().lockIrq();
            try {
                q.blkGetRequest(true, true);
            } finally {
                q.queueLock().unlockIrq();
            }
        })).isInstanceOf(AtomicSleepBug.class);
        kernel.runOn(0, "cleanup", q::setDying);
        assertThat(kernel.runOn(0, "io", () -> q.blkGetRequest(true, true))).isNull();
        assertThat(q.requestList().count(false)).isZero();
    }
}
