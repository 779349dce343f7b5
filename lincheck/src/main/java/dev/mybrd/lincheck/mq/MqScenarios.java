package dev.mybrd.lincheck.mq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.blkmq.BlkMqOps;
import dev.mybrd.blkmq.BlkMqQueue;
import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.blkmq.MqBug;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The deterministic scenarios of the mq chapter: each returns null, or the violation it saw. They
 * play the races the model checker would need many invocations to meet (an insert between a run's
 * splice and its clear of the pending bit; a timeout scan while the driver still holds a request)
 * and run every injection to quiescence with 1 and 2 hardware queues.
 */
public final class MqScenarios {
    private static final long DRAIN = 20_000_000_000L;

    private MqScenarios() {
    }

    private static MyBrd.Config mq() {
        return MyBrd.Config.defaults().withQueueMode(QueueMode.MQ);
    }

    private static Bio write(long sector) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), 4096, 0);
    }

    /**
     * P1/P17, M4/M5: 16 writes from every CPU through {@code queues} hardware queues of depth 4 with
     * {@code inject}, drained: each bio ended exactly once; failures only where injected.
     */
    public static String exactlyOnce(int queues, String inject, Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        kernel.setHungTaskTimeout(2_000_000_000L); // a lost request shows as a submitter stuck in bt_get
        MyBrd.Config c = mq().withSubmitQueues(queues).withHwQueueDepth(4).withInjection(Injection.parse(inject));
        for (Bug b : bugs) {
            c = c.withBug(b);
        }
        MyBrd brd = new MyBrd(kernel, c);
        List<Bio> bios = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Bio b = write(i * 8L);
            bios.add(b);
            kernel.runOn(i % kernel.nrCpus(), "io", () -> brd.submitBio(b));
        }
        if (!brd.drain(bugs.isEmpty() ? DRAIN : 500_000_000L)) {
            return "not quiescent: " + brd.drainReport();
        }
        for (Bio b : bios) {
            if (b.endioCalls() != 1) {
                return b + " ended " + b.endioCalls() + " times";
            }
            boolean mayFail = inject.startsWith("fail") || inject.startsWith("timeout");
            if (b.status() != BlkStatus.OK && !mayFail) {
                return b + " failed with " + b.status() + " though nothing was injected to fail";
            }
        }
        return null;
    }

    /**
     * M1, M2: every CPU's ctx in exactly one hctx at index_hw, in its cpumask, and its requests
     * dispatched there ({@link #mappingStatic}); and so for a request whose allocator slept in
     * {@code bt_get} and woke up on a CPU of another hardware queue ({@link #migratedSleeper}).
     */
    public static String mapping(Set<MqBug> bugs) throws InterruptedException {
        String v = mappingStatic();
        return v != null ? v : migratedSleeper(bugs);
    }

    /**
     * Two hardware queues of one tag each (CPUs 0, 1 on hctx0; 2, 3 on hctx1); the driver holds every
     * request. CPU 0's request takes hctx0's tag; a second submitter on CPU 0 sleeps in {@code bt_get}
     * for it; CPUs 0 and 1 are then busy with other tasks, so when the tag is freed (from CPU 2) the
     * woken task resumes on CPU 3: it must allocate from hctx1 with CPU 3's ctx and be dispatched by
     * hctx1. Null, or what went wrong.
     */
    static String migratedSleeper(Set<MqBug> bugs) throws InterruptedException {
        Kernel kernel = new Kernel(4);
        kernel.setHungTaskTimeout(2_000_000_000L);
        BlkMqQueue[] holder = new BlkMqQueue[1];
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        List<dev.mybrd.blkmq.BlkMqRequest> held = java.util.Collections.synchronizedList(new ArrayList<>());
        Bio late = write(64);
        boolean[] lateDispatched = {false};
        int[] lateCpu = {-1};
        BlkMqOps ops = (hctx, rq, last) -> {
            if (holder[0].mapQueueHctx(rq.mqCtx().cpu()) != hctx) {
                wrong.add(rq + " of " + rq.mqCtx() + " dispatched on " + hctx);
            }
            if (rq.bios().contains(late)) {
                lateDispatched[0] = true;
                lateCpu[0] = rq.mqCtx().cpu();
            }
            holder[0].startRequest(rq);
            held.add(rq);
            return BlkMqOps.QueueRqResult.OK;
        };
        BlkMqQueue q = new BlkMqQueue(kernel, "migrate", new BlkMqTagSet(kernel, 2, 1, 0, 0, 0), ops, 1024, bugs);
        holder[0] = q;
        kernel.runOn(0, "io-1", () -> q.makeRequest(write(0)));
        Thread sleeper = kernel.kthreadRun(0, "io-2", () -> q.makeRequest(late));
        if (!awaitSleeper(q)) {
            sleeper.join(5_000);
            return "the second submitter never slept in bt_get: " + kernel.oopses();
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(2);
        List<Thread> blockers = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            blockers.add(kernel.kthreadRun(cpu, "busy/" + cpu, () -> {
                busy.countDown();
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        try {
            if (!busy.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                return "CPUs 0 and 1 never got busy";
            }
            kernel.runOn(2, "irq", () -> q.endRequest(held.remove(0), 0)); // frees hctx0's tag, wakes io-2
            sleeper.join(10_000);
        } finally {
            release.countDown();
            for (Thread t : blockers) {
                t.join(10_000);
            }
        }
        if (sleeper.isAlive()) {
            return "the woken submitter never finished: " + kernel.oopses();
        }
        if (!kernel.oopses().isEmpty()) {
            return "oops: " + kernel.oopses();
        }
        kernel.runOn(2, "kblockd", q::runPendingWork);
        kernel.runOn(0, "kblockd", q::runPendingWork);
        if (!wrong.isEmpty()) {
            return wrong.toString();
        }
        if (lateDispatched[0] && lateCpu[0] < 2) {
            return "scenario broken: the woken submitter did not move to CPU 2 or 3 (ctx of CPU " + lateCpu[0] + ")";
        }
        if (!lateDispatched[0]) {
            return "the request of " + late + " (allocated after a sleep in bt_get) was never dispatched: "
                    + kernel.runOn(0, "report", q::inFlightReport) + ", ctx_map of hctx0=" + q.hctx(0).ctxMap()
                    + ", of hctx1=" + q.hctx(1).ctxMap();
        }
        return tagsAllBack(kernel, q, held);
    }

    /**
     * Ends every request the driver holds, then every hctx's tag map must be empty: the tag goes back
     * to the map of {@code map_queue(rq->mq_ctx->cpu)} ({@code blk_mq_free_request}), so a tag taken
     * from another hctx's map leaks there. Null, or the leak.
     */
    private static String tagsAllBack(Kernel kernel, BlkMqQueue q, List<dev.mybrd.blkmq.BlkMqRequest> held) {
        try {
            while (!held.isEmpty()) {
                dev.mybrd.blkmq.BlkMqRequest rq = held.remove(0);
                kernel.runOn(2, "irq", () -> q.endRequest(rq, 0));
            }
        } catch (dev.mybrd.kernel.KernelBug bug) {
            return "freeing the requests: " + bug.getMessage();
        }
        for (int i = 0; i < q.nrHwQueues(); i++) {
            dev.mybrd.blkmq.BlkMqBitmapTags bt = q.hctx(i).tagState().tags().bitmapTags();
            if (bt.unusedTags() != bt.depth()) {
                return "tag leak: hctx" + i + "'s map has " + (bt.depth() - bt.unusedTags()) + " tag(s) set after"
                        + " every request ended (a tag taken from one hctx's map was given back to another's)";
            }
        }
        return null;
    }

    /** Waits, bounded, until a task sleeps on one of hctx0's tag wait queues. */
    private static boolean awaitSleeper(BlkMqQueue q) throws InterruptedException {
        dev.mybrd.blkmq.BlkMqBitmapTags bt = q.hctx(0).tagState().tags().bitmapTags();
        for (int i = 0; i < 10_000; i++) {
            for (int w = 0; w < dev.mybrd.blkmq.BlkMqBitmapTags.BT_WAIT_QUEUES; w++) {
                if (bt.bs(w).waitQueue().waitqueueActive() && q.kernel().cpu(0).owner() == null) {
                    return true;
                }
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** The static half of {@link #mapping}: every CPU's ctx in one hctx and its requests dispatched there. */
    static String mappingStatic() {
        for (int queues = 1; queues <= 5; queues++) {
            Kernel kernel = new Kernel(4);
            BlkMqQueue[] holder = new BlkMqQueue[1];
            List<String> wrong = new ArrayList<>();
            BlkMqOps ops = (hctx, rq, last) -> {
                if (holder[0].mapQueueHctx(rq.mqCtx().cpu()) != hctx) {
                    wrong.add(rq + " of " + rq.mqCtx() + " dispatched on " + hctx);
                }
                holder[0].startRequest(rq);
                holder[0].endRequest(rq, 0);
                return BlkMqOps.QueueRqResult.OK;
            };
            BlkMqQueue q = new BlkMqQueue(kernel, "map", new BlkMqTagSet(kernel, queues, 4, 0, 0, 0), ops, 1024,
                    Set.of());
            holder[0] = q;
            for (int cpu = 0; cpu < kernel.nrCpus(); cpu++) {
                int owners = 0;
                for (int h = 0; h < q.nrHwQueues(); h++) {
                    for (int i = 0; i < q.hctx(h).nrCtx(); i++) {
                        if (q.hctx(h).ctx(i) == q.ctx(cpu)) {
                            owners++;
                            if (i != q.ctx(cpu).indexHw() || h != q.mqMap(cpu) || !q.hctx(h).hasCpu(cpu)) {
                                return "nr_hw_queues=" + queues + ": cpu " + cpu + " at hctx" + h + "[" + i + "]";
                            }
                        }
                    }
                }
                if (owners != 1 || q.mqMap(cpu) >= queues) {
                    return "nr_hw_queues=" + queues + ": cpu " + cpu + "'s ctx is in " + owners + " hctxs";
                }
                int c = cpu;
                kernel.runOn(cpu, "io", () -> q.makeRequest(write(c * 8L)));
            }
            if (!wrong.isEmpty()) {
                return "nr_hw_queues=" + queues + ": " + wrong;
            }
        }
        return null;
    }

    /**
     * M3: while a run flushes ctx0, another request is inserted on ctx0 right after the splice (the
     * queue is stopped around the insert so the inserter's own run does nothing). Correct: the run
     * cleared the bit before splicing, the insert set it again, and the next run of pending queues
     * dispatches it. Seeded: the late clear wipes the insert's bit and the request is stranded.
     */
    public static String pendingBitRace(Set<MqBug> bugs) {
        Kernel kernel = new Kernel(4);
        BlkMqQueue[] holder = new BlkMqQueue[1];
        BlkMqOps ops = (hctx, rq, last) -> {
            holder[0].startRequest(rq);
            holder[0].endRequest(rq, 0);
            return BlkMqOps.QueueRqResult.OK;
        };
        BlkMqQueue q = new BlkMqQueue(kernel, "m3", new BlkMqTagSet(kernel, 1, 4, 0, 0, 0), ops, 1024, bugs);
        holder[0] = q;
        Bio late = write(64);
        boolean[] once = {false};
        q.setAfterSpliceHook(() -> {
            if (!once[0]) {
                once[0] = true;
                q.stopHwQueue(q.hctx(0));
                q.makeRequest(late);
                q.hctx(0).clearStopped();
            }
        });
        kernel.runOn(0, "io", () -> q.makeRequest(write(0)));
        q.setAfterSpliceHook(null);
        kernel.runOn(1, "run", () -> q.runHwQueues(false));
        if (!late.ended()) {
            return "request for " + late + " stranded: " + kernel.runOn(0, "report", q::inFlightReport)
                    + ", ctx_map=" + q.hctx(0).ctxMap();
        }
        return null;
    }

    /** P27 (spec 2.8 item 4): a write that found no page must not end with success. */
    public static String errorReported(Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        MyBrd.Config c = mq().withPageLimit(0);
        for (Bug b : bugs) {
            c = c.withBug(b);
        }
        MyBrd brd = new MyBrd(kernel, c);
        Bio w = write(0);
        kernel.runOn(0, "io", () -> brd.submitBio(w));
        if (!brd.drain(DRAIN)) {
            return "not quiescent: " + brd.drainReport();
        }
        return w.status() == BlkStatus.NOSPC ? null : "write with no page left ended with " + w.status();
    }

    /** P25 (spec 2.8 item 5): a write through the inline run path must not sleep with preemption off. */
    public static String noSleepInAtomic(Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        MyBrd.Config c = mq();
        for (Bug b : bugs) {
            c = c.withBug(b);
        }
        MyBrd brd = new MyBrd(kernel, c);
        Bio w = write(0);
        kernel.runOn(0, "io", () -> brd.submitBio(w)); // an AtomicSleepBug is the violation
        return brd.drain(DRAIN) ? null : "not quiescent: " + brd.drainReport();
    }

    /**
     * P1: a request the driver still holds when the timeout scan finds it past its deadline
     * ({@code irqmode=timer}, the timer not yet fired) is ended once: the scan re-arms it and the
     * timer's completion ends it. Seeded: the timeout ends it and the driver's direct end touches the
     * freed request.
     */
    public static String timeoutRace(Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        MyBrd.Config c = mq().withIrqMode(IrqMode.TIMER).withInjection(Injection.parse("timeout=1000"));
        for (Bug b : bugs) {
            c = c.withBug(b);
        }
        MyBrd brd = new MyBrd(kernel, c);
        Bio w = write(0);
        kernel.runOn(0, "io", () -> brd.submitBio(w));
        BlkMqQueue q = brd.mqQueue();
        kernel.runOn(1, "timer", () -> {
            q.advanceJiffies(q.rqTimeout());
            return q.timeoutScan();
        });
        kernel.runOn(0, "timer", brd::fireMqTimer);
        if (!brd.drain(DRAIN)) {
            return "not quiescent: " + brd.drainReport();
        }
        return w.endioCalls() == 1 && w.status() == BlkStatus.OK ? null
                : w + " ended " + w.endioCalls() + " times with " + w.status();
    }
}
