package dev.mybrd.lincheck.mq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The deterministic and racing scenarios of blk-mq's per-task plug and of mq disk accounting. Each
 * returns null, or the violation it saw (a {@code KernelBug} thrown by the model counts too).
 *
 * <p>The plugged job runs on CPU0 with {@code hw_queue_depth=1}: each bio that does not merge into
 * the plug needs the one tag, which the job's own plugged request holds, so the job sleeps in
 * {@code bt_get} and {@code schedule()} must flush its plug first. Another CPU (CPU1, on the same
 * hardware queue) submits unplugged bios at the same time, and a kworker thread on CPU2 lets kblockd
 * and the driver's work item run, as kworkers would.
 */
public final class MqPlugScenarios {
    private static final long DRAIN = 20_000_000_000L;
    private static final long JOIN_MILLIS = 20_000;

    private MqPlugScenarios() {
    }

    private static MyBrd.Config mq(int queues, int depth, String inject, Set<Bug> bugs) {
        MyBrd.Config c = MyBrd.Config.defaults().withQueueMode(QueueMode.MQ).withSubmitQueues(queues)
                .withHwQueueDepth(depth).withInjection(Injection.parse(inject));
        for (Bug b : bugs) {
            c = c.withBug(b);
        }
        return c;
    }

    private static Bio bio(ReqOp op, long sector) {
        return Bio.of(op, sector).addPage(Page.buffer(), Page.PAGE_SIZE, 0);
    }

    /** The plugged job's bios: two pairs that merge in the plug (back, then front), and two loners. */
    private static List<Bio> jobBios() {
        List<Bio> l = new ArrayList<>();
        l.add(bio(ReqOp.WRITE, 0));
        l.add(bio(ReqOp.WRITE, 8)); // back merge into the plugged request
        l.add(bio(ReqOp.WRITE, 72));
        l.add(bio(ReqOp.WRITE, 64)); // front merge
        l.add(bio(ReqOp.WRITE, 128));
        l.add(bio(ReqOp.READ, 256));
        return l;
    }

    /**
     * P1/P29 with the plug: the plugged job of several bios on CPU0 against unplugged writes on
     * CPU1, {@code queues} hardware queues of one tag each, with {@code inject}; after
     * {@code blk_finish_plug} the plug is empty, after the drain every bio has ended once.
     */
    public static String plugExactlyOnce(int queues, String inject, Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        kernel.setHungTaskTimeout(bugs.isEmpty() ? 5_000_000_000L : 1_000_000_000L);
        MyBrd brd = new MyBrd(kernel, mq(queues, 1, inject, bugs));
        List<Bio> job = jobBios();
        List<Bio> racer = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racer.add(bio(ReqOp.WRITE, 512 + 16L * i));
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread kworker = thread("kworker", failure, () -> {
            while (!stop.get()) {
                kernel.runOn(2, "kworker", () -> {
                    brd.mqQueue().runPendingWork();
                    brd.runMqWork();
                });
                Thread.yield();
            }
        });
        Thread other = thread("racer", failure, () -> {
            for (Bio b : racer) {
                kernel.runOn(1, "racer", () -> brd.submitBio(b));
            }
        });
        int[] left = {-1};
        try {
            kernel.runOn(0, "job", () -> {
                BlkPlug plug = BlkPlug.start(kernel);
                for (Bio b : job) {
                    brd.submitBio(b);
                }
                BlkPlug.finish(kernel, plug);
                left[0] = plug.size();
            });
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
        join(other);
        stop.set(true);
        join(kworker);
        if (failure.get() != null) {
            return failure.get().toString();
        }
        if (left[0] != 0) {
            return left[0] + " request(s) still plugged after blk_finish_plug";
        }
        if (!brd.drain(bugs.isEmpty() ? DRAIN : 1_000_000_000L)) {
            return "not quiescent: " + brd.drainReport();
        }
        List<Bio> all = new ArrayList<>(job);
        all.addAll(racer);
        boolean mayFail = inject.startsWith("fail") || inject.startsWith("timeout");
        for (Bio b : all) {
            if (b.endioCalls() != 1) {
                return b + " ended " + b.endioCalls() + " times";
            }
            if (b.status() != BlkStatus.OK && !mayFail) {
                return b + " failed with " + b.status() + " though nothing was injected to fail";
            }
        }
        return null;
    }

    /**
     * P29: one hardware queue of one tag. The plugged job's second bio needs the tag its first,
     * plugged, request holds: before the job sleeps in {@code bt_get}, {@code schedule()} must have
     * emptied the plug (an observer in {@code sched_submit_work}, after the flush, sees it). Then a
     * deeper queue: 20 loners, and the plug never holds more than {@code BLK_MAX_REQUEST_COUNT}; after
     * {@code blk_finish_plug} it holds nothing, and every bio ends once.
     */
    public static String plugFlushedBeforeSleepAndFinish(Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        kernel.setHungTaskTimeout(bugs.isEmpty() ? 5_000_000_000L : 300_000_000L);
        MyBrd brd = new MyBrd(kernel, mq(1, 1, "", bugs));
        AtomicInteger pluggedAtSleep = new AtomicInteger();
        AtomicInteger sleeps = new AtomicInteger();
        kernel.addSchedSubmitWork(t -> { // runs after blk_schedule_flush_plug
            if (t.plug() instanceof BlkPlug p) {
                sleeps.incrementAndGet();
                pluggedAtSleep.accumulateAndGet(p.size(), Math::max);
            }
        });
        List<Bio> first = List.of(bio(ReqOp.WRITE, 0), bio(ReqOp.WRITE, 64), bio(ReqOp.WRITE, 128));
        String violation = kernel.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            try {
                for (Bio b : first) {
                    brd.submitBio(b);
                }
            } finally {
                BlkPlug.finish(kernel, plug);
            }
            return plug.size() == 0 ? null : plug.size() + " request(s) still plugged after blk_finish_plug";
        });
        if (violation != null) {
            return violation;
        }
        if (sleeps.get() == 0) {
            return "the plugged job never slept for a tag: the scenario does not exercise the flush before sleep";
        }
        if (pluggedAtSleep.get() != 0) {
            return "the job went to sleep with " + pluggedAtSleep.get() + " request(s) still plugged";
        }
        Kernel k2 = new Kernel(4);
        MyBrd deep = new MyBrd(k2, mq(1, 64, "", bugs));
        List<Bio> loners = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            loners.add(bio(ReqOp.WRITE, 16L * i));
        }
        int[] most = {0};
        int[] left = {-1};
        k2.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(k2);
            for (Bio b : loners) {
                deep.submitBio(b);
                most[0] = Math.max(most[0], plug.size());
            }
            BlkPlug.finish(k2, plug);
            left[0] = plug.size();
        });
        if (most[0] > BlkPlug.BLK_MAX_REQUEST_COUNT || most[0] == 0) {
            return "the plug held " + most[0] + " requests (flush at " + BlkPlug.BLK_MAX_REQUEST_COUNT + ")";
        }
        if (left[0] != 0) {
            return left[0] + " request(s) still plugged after blk_finish_plug";
        }
        if (!brd.drain(DRAIN) || !deep.drain(DRAIN)) {
            return "not quiescent: " + brd.drainReport() + deep.drainReport();
        }
        List<Bio> all = new ArrayList<>(first);
        all.addAll(loners);
        for (Bio b : all) {
            if (b.endioCalls() != 1 || b.status() != BlkStatus.OK) {
                return b + " ended " + b.endioCalls() + " times with " + b.status();
            }
        }
        return null;
    }

    /**
     * P19 for mq accounting: for each injection, plugged and unplugged reads and writes from every
     * CPU through {@code queues} hardware queues of depth 4, drained; then {@code in_flight} is 0,
     * {@code ios + merges} equals the bios of that direction (each bio either started a request or
     * merged into one, and each request was accounted done once), and {@code sectors} their sectors.
     */
    public static String accounting(int queues, List<String> injections, Set<Bug> bugs) {
        for (String inject : injections) {
            String v = accountingOnce(queues, inject, bugs);
            if (v != null) {
                return (inject.isEmpty() ? "no injection" : inject) + ": " + v;
            }
        }
        return null;
    }

    private static String accountingOnce(int queues, String inject, Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        kernel.setHungTaskTimeout(2_000_000_000L);
        MyBrd brd = new MyBrd(kernel, mq(queues, 4, inject, bugs));
        List<Bio> bios = new ArrayList<>();
        kernel.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            for (Bio b : jobBios()) {
                bios.add(b);
                brd.submitBio(b);
            }
            BlkPlug.finish(kernel, plug);
        });
        for (int i = 0; i < 12; i++) {
            Bio b = bio(i % 3 == 0 ? ReqOp.READ : ReqOp.WRITE, 1024 + 8L * i);
            bios.add(b);
            kernel.runOn(i % kernel.nrCpus(), "io", () -> brd.submitBio(b));
        }
        if (!brd.drain(DRAIN)) {
            return "not quiescent: " + brd.drainReport();
        }
        PartStat st = brd.stats();
        for (int rw = PartStat.READ; rw <= PartStat.WRITE; rw++) {
            long n = 0;
            long sectors = 0;
            for (Bio b : bios) {
                if ((b.op() == ReqOp.READ ? PartStat.READ : PartStat.WRITE) == rw) {
                    n++;
                    sectors += b.sectors();
                }
            }
            String dir = rw == PartStat.READ ? "read" : "write";
            long ios = st.partStatRead(Field.ios(rw));
            long merges = st.partStatRead(Field.merges(rw));
            if (st.inFlight(rw) != 0) {
                return dir + " in_flight is " + st.inFlight(rw) + " at quiescence (" + st + ")";
            }
            if (ios + merges != n) {
                return dir + " ios " + ios + " + merges " + merges + " != " + n + " bios (" + st + ")";
            }
            if (st.partStatRead(Field.sectors(rw)) != sectors) {
                return dir + " sectors " + st.partStatRead(Field.sectors(rw)) + " != " + sectors + " (" + st + ")";
            }
        }
        return null;
    }

    private static Thread thread(String name, AtomicReference<Throwable> failure, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new AssertionError(t.getName() + " did not finish in " + JOIN_MILLIS + " ms");
        }
    }
}
