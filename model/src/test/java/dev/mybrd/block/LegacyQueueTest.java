package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.HungTaskBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import dev.mybrd.rcu.Rcu;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The legacy queue with a test driver whose {@code request_fn} fetches every request and keeps it,
 * so a test decides when each one ends: merging (P21), dispatch, completion, the request list's
 * depth and sleepers (P13, P14), softirq completion and timeouts (P17).
 */
class LegacyQueueTest {
    private final Kernel kernel = new Kernel();
    private final SpinLock lock = new SpinLock(kernel, "test_queue_lock");
    private final List<Request> held = new ArrayList<>();
    private final PartStat stats = new PartStat(kernel, new Rcu(kernel), new Jiffies());

    private RequestQueue queue(BlkBug... bugs) {
        Set<BlkBug> b = bugs.length == 0 ? Set.of() : Set.of(bugs);
        return RequestQueue.initQueue(kernel, q -> {
            Request rq;
            while ((rq = BlkDispatch.blkFetchRequest(q)) != null) {
                synchronized (held) {
                    held.add(rq);
                }
            }
        }, lock, new QueueLimits(512, 1024, true), null, stats, b);
    }

    private static Bio write(long sector, int sectors) {
        Bio bio = Bio.of(ReqOp.WRITE, sector);
        for (int left = sectors * 512; left > 0; left -= 4096) {
            bio.addPage(Page.buffer(), Math.min(left, 4096), 0);
        }
        return bio;
    }

    private void stop(RequestQueue q) {
        kernel.runOn(0, "stop", () -> {
            q.queueLock().lockIrq();
            BlkDispatch.blkStopQueue(q);
            q.queueLock().unlockIrq();
        });
    }

    private void start(RequestQueue q) {
        kernel.runOn(0, "start", () -> {
            q.queueLock().lockIrq();
            BlkDispatch.blkStartQueue(q);
            q.queueLock().unlockIrq();
        });
    }

    private void submit(RequestQueue q, Bio bio) {
        kernel.runOn(1, "io", () -> BlkQueueBio.blkQueueBio(q, bio));
    }

    private Request heldOnly() {
        synchronized (held) {
            assertThat(held).hasSize(1);
            return held.remove(0);
        }
    }

    private void endAll(Request rq, int err) {
        kernel.runOn(2, "end", () -> BlkEnd.blkEndRequestAll(rq, err));
    }

    @Test
    void backFrontAndNeighbourMergesMakeOneContiguousRequest() {
        RequestQueue q = queue();
        stop(q);
        Bio a = write(8, 8);
        Bio c = write(24, 8);
        Bio b = write(16, 8); // back merge onto a, then a+b meets c: attempt_back_merge
        Bio front = write(0, 8); // front merge
        submit(q, a);
        submit(q, c);
        assertThat(q.elevator().queuedCount()).isEqualTo(2);
        submit(q, b);
        assertThat(q.elevator().queuedCount()).as("a, b and c are one request").isEqualTo(1);
        submit(q, front);
        start(q);
        Request rq = heldOnly();
        assertThat(rq.pos()).isZero();
        assertThat(rq.sectors()).isEqualTo(32);
        assertThat(rq.bios()).containsExactly(front, a, b, c);
        assertThat(stats.partStatRead(Field.MERGES_WRITE)).isEqualTo(2);
        assertThat(stats.inFlight(PartStat.WRITE)).as("the merged-away request gave its in_flight back").isEqualTo(1);
        assertThat(q.requestList().count(false)).isEqualTo(1);
        endAll(rq, 0);
        assertThat(List.of(front, a, b, c)).allMatch(x -> x.endioCalls() == 1 && x.status() == BlkStatus.OK);
        assertThat(stats.inFlight(PartStat.WRITE)).isZero();
        assertThat(stats.partStatRead(Field.IOS_WRITE)).isEqualTo(1);
        assertThat(stats.partStatRead(Field.SECTORS_WRITE)).isEqualTo(32);
        assertThat(q.requestList().count(false)).isZero();
        assertThat(q.inFlight(false)).isZero();
    }

    @Test
    void mergesRespectMaxSectorsAndDirection() {
        RequestQueue q = queue();
        stop(q);
        submit(q, write(0, 1000));
        submit(q, write(1000, 100)); // 1100 > max_sectors 1024
        submit(q, Bio.of(ReqOp.READ, 1100).addPage(Page.buffer(), 512, 0));
        assertThat(q.elevator().queuedCount()).isEqualTo(3);
    }

    @Test
    void noBioMergesIntoAStartedRequest() {
        RequestQueue q = queue();
        Bio a = write(0, 8);
        submit(q, a);
        Request rq = heldOnly();
        assertThat(rq.cmdFlags() & Request.REQ_STARTED).isNotZero();
        Bio b = write(8, 8);
        submit(q, b);
        Request second = heldOnly();
        assertThat(second).isNotSameAs(rq);
        assertThat(rq.bios()).containsExactly(a);
        endAll(rq, 0);
        endAll(second, 0);
        assertThat(a.endioCalls() + b.endioCalls()).isEqualTo(2);
    }

    @Test
    void seededMergeIntoStartedEndsABioWhoseDataTheDriverNeverSaw() {
        RequestQueue q = queue(BlkBug.MERGE_INTO_STARTED);
        Bio a = write(0, 8);
        submit(q, a);
        Request rq = heldOnly();
        List<Bio> driverSaw = rq.bios(); // the driver walks the bios and moves their data
        Bio late = write(8, 8);
        submit(q, late); // merged into the request the driver holds
        synchronized (held) {
            assertThat(held).isEmpty();
        }
        assertThat(rq.bios()).containsExactly(a, late);
        endAll(rq, 0);
        assertThat(late.endioCalls()).isEqualTo(1);
        assertThat(late.status()).isEqualTo(BlkStatus.OK);
        assertThat(driverSaw).doesNotContain(late);
    }

    @Test
    void prepDeferKeepsTheRequestAndKillEndsItWithEio() {
        RequestQueue q = queue();
        AtomicReference<RequestQueue.Prep> answer = new AtomicReference<>(RequestQueue.Prep.DEFER);
        kernel.runOn(0, "init", () -> q.setPrepRqFn(r -> answer.get()));
        Bio a = write(0, 8);
        submit(q, a);
        synchronized (held) {
            assertThat(held).isEmpty();
        }
        assertThat(q.elevator().queuedCount()).isEqualTo(1);
        answer.set(RequestQueue.Prep.KILL);
        kernel.runOn(0, "run", () -> BlkDispatch.blkRunQueue(q));
        assertThat(a.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(q.requestList().count(false)).isZero();
        assertThat(q.inFlight(false)).isZero();
    }

    @Test
    void requeueGoesBackToTheHeadUnstartedAndRunsAgain() {
        RequestQueue q = queue();
        Bio a = write(0, 8);
        submit(q, a);
        Request rq = heldOnly();
        kernel.runOn(0, "requeue", () -> {
            q.queueLock().lockIrq();
            BlkEnd.blkRequeueRequest(q, rq);
            assertThat(q.inFlight(false)).isZero();
            BlkDispatch.blkRunQueueLocked(q);
            q.queueLock().unlockIrq();
        });
        assertThat(heldOnly()).isSameAs(rq);
        endAll(rq, 0);
        assertThat(a.endioCalls()).isEqualTo(1);
    }

    @Test
    void blkCompleteRequestClaimsOnceAndTheDoneFunctionRunsOnce() {
        RequestQueue q = queue();
        List<Request> done = new ArrayList<>();
        kernel.runOn(0, "init", () -> q.setSoftirqDoneFn(r -> {
            done.add(r);
            BlkEnd.blkEndRequestAll(r, 0);
        }));
        BlkSoftirq.of(kernel);
        submit(q, write(0, 8));
        Request rq = heldOnly();
        boolean[] claims = new boolean[2];
        kernel.runOn(1, "irq", () -> { // the submitting CPU: no IPI
            claims[0] = BlkSoftirq.blkCompleteRequest(rq);
            claims[1] = BlkSoftirq.blkCompleteRequest(rq);
        });
        assertThat(claims).containsExactly(true, false);
        assertThat(done).containsExactly(rq);
        assertThat(rq.freed()).isTrue();
    }

    @Test
    void aTimeoutAndACompletionNeverBothEndARequest() {
        RequestQueue q = queue();
        List<Request> done = new ArrayList<>();
        kernel.runOn(0, "init", () -> {
            q.setSoftirqDoneFn(r -> {
                done.add(r);
                BlkEnd.blkEndRequestAll(r, r.errors());
            });
            q.setRqTimedOutFn(r -> {
                r.setErrors(Errno.EIO.negative());
                return RequestQueue.EhTimerReturn.HANDLED;
            });
            q.setRqTimeout(10);
        });
        BlkSoftirq.of(kernel);
        Bio a = write(0, 8);
        stop(q);
        submit(q, a); // on CPU1: req->cpu = 1
        start(q); // request_fn on CPU0: the timeout is armed on CPU0's timer base
        Request rq = heldOnly();
        kernel.runOn(0, "tick", () -> q.timers().tick(10)); // the timeout wins the COMPLETE bit; IPI to CPU1
        assertThat(done).isEmpty();
        assertThat(rq.completeMarked()).isTrue();
        boolean[] late = new boolean[1];
        kernel.runOn(2, "late irq", () -> late[0] = BlkSoftirq.blkCompleteRequest(rq));
        assertThat(late[0]).as("the driver's completion after the timeout claimed the request is a no-op").isFalse();
        kernel.runOn(1, "cpu1", () -> { }); // CPU1 takes the IPI; BLOCK_SOFTIRQ ends the request
        assertThat(done).containsExactly(rq);
        assertThat(a.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(a.endioCalls()).isEqualTo(1);
    }

    @Test
    void seededTimeoutWithoutCompleteClaimLetsACompletionEndTheRequestAgain() {
        RequestQueue q = queue(BlkBug.TIMEOUT_WITHOUT_COMPLETE_CLAIM);
        List<Request> done = new ArrayList<>();
        kernel.runOn(0, "init", () -> {
            q.setSoftirqDoneFn(r -> {
                done.add(r);
                BlkEnd.blkEndRequestAll(r, r.errors());
            });
            q.setRqTimedOutFn(r -> {
                r.setErrors(Errno.EIO.negative());
                return RequestQueue.EhTimerReturn.HANDLED;
            });
            q.setRqTimeout(10);
        });
        BlkSoftirq.of(kernel);
        stop(q);
        submit(q, write(0, 8)); // on CPU1: req->cpu = 1
        start(q);
        Request rq = heldOnly();
        kernel.runOn(0, "tick", () -> q.timers().tick(10)); // the timeout hands it to CPU1 without the bit
        assertThat(rq.completeMarked()).as("nobody claimed the request").isFalse();
        boolean[] late = new boolean[1];
        kernel.runOn(2, "late irq", () -> late[0] = BlkSoftirq.blkCompleteRequest(rq));
        assertThat(late[0]).as("the driver's completion claims a request the timeout is already ending").isTrue();
        assertThatThrownBy(() -> kernel.runOn(1, "cpu1", () -> { }))
                .isInstanceOf(KernelBug.class).hasMessageContaining("use-after-free in blk_end_request_all");
        assertThat(done).as("softirq_done_fn ran for both: the second end hit a freed request").containsExactly(rq, rq);
    }

    @Test
    void resetTimerRearmsAndClearsTheCompleteBit() {
        RequestQueue q = queue();
        int[] calls = {0};
        kernel.runOn(0, "init", () -> {
            q.setSoftirqDoneFn(r -> BlkEnd.blkEndRequestAll(r, r.errors()));
            q.setRqTimedOutFn(r -> {
                calls[0]++;
                return RequestQueue.EhTimerReturn.RESET_TIMER;
            });
            q.setRqTimeout(5);
        });
        BlkSoftirq.of(kernel);
        Bio a = write(0, 8);
        submit(q, a);
        Request rq = heldOnly();
        kernel.runOn(1, "tick", () -> q.timers().tick(5));
        kernel.runOn(1, "tick", () -> q.timers().tick(5));
        assertThat(calls[0]).isEqualTo(2);
        assertThat(rq.completeMarked()).isFalse();
        kernel.runOn(1, "irq", () -> BlkSoftirq.blkCompleteRequest(rq));
        assertThat(a.status()).isEqualTo(BlkStatus.OK);
    }

    @Test
    void dispatchCallsNeedTheQueueLock() {
        RequestQueue q = queue();
        assertThatThrownBy(() -> kernel.runOn(0, "t", () -> BlkDispatch.blkFetchRequest(q)))
                .isInstanceOf(KernelBug.class).hasMessageContaining("without queue_lock");
    }

    @Test
    void nrRequestsBelowTheMinimumIsRaisedAndNegativeIsEinval() {
        RequestQueue q = queue();
        int[] ret = new int[2];
        kernel.runOn(0, "sysfs", () -> {
            ret[0] = q.requestList().blkUpdateNrRequests(-1);
            ret[1] = q.requestList().blkUpdateNrRequests(1);
        });
        assertThat(ret[0]).isEqualTo(Errno.EINVAL.negative());
        assertThat(ret[1]).isZero();
        assertThat(q.requestList().nrRequests()).isEqualTo(RequestQueue.BLKDEV_MIN_RQ);
    }

    /** Fills the async class up to FULL: nr_requests requests held by the driver. */
    private RequestQueue fullQueue(int nr, BlkBug... bugs) {
        RequestQueue q = queue(bugs);
        kernel.runOn(0, "sysfs", () -> q.requestList().blkUpdateNrRequests(nr));
        for (int i = 0; i < nr; i++) {
            submit(q, write(100L * i, 8));
        }
        assertThat(q.requestList().full(false)).isTrue();
        assertThat(q.requestList().count(false)).isEqualTo(nr);
        return q;
    }

    private Thread sleeper(RequestQueue q, Bio bio, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                kernel.runOn(3, "sleeper", () -> BlkQueueBio.blkQueueBio(q, bio));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        return t;
    }

    private int waiters(RequestQueue q) {
        return kernel.runOn(0, "ps", () -> q.requestList().waiters(false));
    }

    private void awaitSleeping(RequestQueue q) throws InterruptedException {
        for (int i = 0; i < 10_000 && waiters(q) == 0; i++) {
            Thread.sleep(1);
        }
        assertThat(waiters(q)).isEqualTo(1);
    }

    @Test
    void aTaskSleepsInGetRequestWhenFullAndAFreeWakesIt() throws Exception {
        RequestQueue q = fullQueue(4);
        Bio extra = write(10_000, 8);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = sleeper(q, extra, failure);
        awaitSleeping(q);
        assertThat(extra.ended()).isFalse();
        Request first;
        synchronized (held) {
            first = held.remove(0);
        }
        endAll(first, 0);
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        assertThat(q.requestList().count(false)).isEqualTo(4);
        assertThat(waiters(q)).isZero();
    }

    @Test
    void raisingNrRequestsWakesTheSleeper() throws Exception {
        RequestQueue q = fullQueue(4);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = sleeper(q, write(10_000, 8), failure);
        awaitSleeping(q);
        kernel.runOn(0, "sysfs", () -> q.requestList().blkUpdateNrRequests(8));
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        assertThat(q.requestList().count(false)).isEqualTo(5);
    }

    @Test
    void theFullFlagLetsOnlyTheTaskThatSetItPast() {
        RequestQueue q = queue();
        kernel.runOn(0, "sysfs", () -> q.requestList().blkUpdateNrRequests(4));
        for (int i = 0; i < 3; i++) {
            submit(q, write(100L * i, 8));
        }
        assertThat(q.requestList().full(false)).isFalse();
        submit(q, write(1000, 8)); // count+1 reaches nr_requests: sets FULL and still gets one
        assertThat(q.requestList().full(false)).isTrue();
        assertThat(q.requestList().congested(false)).isTrue();
        Object got = kernel.runOn(0, "nonblocking", () -> {
            q.queueLock().lockIrq();
            Object r = q.requestList().getRequest(true, false, false);
            q.queueLock().unlockIrq();
            return r;
        });
        assertThat(got).isEqualTo(Errno.ENOMEM);
    }

    @Test
    void aDyingQueueFailsNewBiosWithEnodev() {
        RequestQueue q = queue();
        kernel.runOn(0, "cleanup", q::setDying);
        Bio a = write(0, 8);
        submit(q, a);
        assertThat(a.status()).isEqualTo(BlkStatus.NODEV);
    }

    @Test
    void theSleeperIsReportedHungWhenNothingIsEverFreed() {
        kernel.setHungTaskTimeout(300_000_000L);
        RequestQueue q = fullQueue(4);
        assertThatThrownBy(() -> kernel.runOn(3, "sleeper", () -> BlkQueueBio.blkQueueBio(q, write(10_000, 8))))
                .isInstanceOf(HungTaskBug.class).hasMessageContaining("rl->wait[async]");
    }

    @Test
    void aPlugIsFlushedBeforeItsTaskSleepsInGetRequest() throws Exception {
        RequestQueue q = fullQueue(4);
        CountDownLatch plugged = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Bio mine = write(20_000, 8);
        Thread t = new Thread(() -> {
            try {
                kernel.runOn(3, "plugger", () -> {
                    BlkPlug plug = BlkPlug.start(kernel);
                    plugged.countDown();
                    BlkQueueBio.blkQueueBio(q, write(30_000, 8)); // sleeps with an empty plug, then is plugged
                    // woken, the task is a batcher (ioc_set_batching) until BLK_BATCH_TIME has passed
                    q.timers().tick(RequestQueue.BLK_BATCH_TIME);
                    BlkQueueBio.blkQueueBio(q, mine);
                    BlkPlug.finish(kernel, plug);
                });
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        assertThat(plugged.await(10, TimeUnit.SECONDS)).isTrue();
        awaitSleeping(q);
        Request first;
        synchronized (held) {
            first = held.remove(0);
        }
        endAll(first, 0);
        awaitSleeping(q); // second bio: the first is in the plug, and schedule() flushes it to kblockd
        for (int i = 0; i < 10_000 && !q.kblockd().pending(); i++) {
            Thread.sleep(1);
        }
        assertThat(q.kblockd().pending()).as("flushed from schedule: the queue runs from kblockd").isTrue();
        assertThat(q.elevator().queuedCount()).as("the plugged request is in the elevator").isEqualTo(1);
        synchronized (held) {
            first = held.remove(0);
        }
        endAll(first, 0);
        t.join(10_000);
        assertThat(failure.get()).isNull();
        assertThat(t.isAlive()).isFalse();
    }
}
