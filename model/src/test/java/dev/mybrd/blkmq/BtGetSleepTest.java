package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * bt_get's sleep and the wake-ups that end it: a put, batch wake-ups (P16), blk_mq_tag_wakeup_all, a
 * depth change, the run-the-queue hook. Real sleeping tasks; every wait is bounded, and states are
 * read only when no task can change them.
 */
class BtGetSleepTest {
    private static final long BOUND_NANOS = 20_000_000_000L;
    private static final int MAIN_CPU = 3;

    private final Kernel kernel = new Kernel(4);
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    BtGetSleepTest() {
        kernel.setHungTaskTimeout(BOUND_NANOS);
    }

    /** A sleeper: its task, its thread, the tag it finally got, and the frees counted at each wake-up. */
    private record Sleeper(AtomicReference<Task> task, Thread thread, AtomicInteger tag, List<Integer> wakes) {
        boolean done() {
            return tag.get() != Integer.MIN_VALUE;
        }

        boolean asleep() {
            Task t = task.get();
            return t != null && t.sleeping();
        }
    }

    @Test
    void aPutWakesTheSleeper() {
        BlkMqTags tags = new BlkMqTags(kernel, 1, 0);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        int held = get(q, MAIN_CPU, false);
        Sleeper s = startSleeper(q, 0, new AtomicInteger());
        awaitAsleep(List.of(s));
        assertThat(tags.bitmapTags().bs(0).waitQueue().waitqueueActive()).isTrue();
        put(q, held);
        join(s);
        assertThat(s.tag().get()).isEqualTo(held);
        assertThat(failures).isEmpty();
    }

    @Test
    void noWaitFailsWithoutSleeping() {
        BlkMqTags tags = new BlkMqTags(kernel, 1, 0);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        get(q, MAIN_CPU, false);
        assertThat(get(q, 0, false)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        for (int i = 0; i < BlkMqBitmapTags.BT_WAIT_QUEUES; i++) {
            assertThat(tags.bitmapTags().bs(i).waitQueue().waitqueueActive()).isFalse();
        }
    }

    /** The hook that runs the hardware queue completes a request: the retry after it gets the tag. */
    @Test
    void runningTheHardwareQueueBeforeSleepingCanFreeATag() {
        BlkMqTags tags = new BlkMqTags(kernel, 1, 0);
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<FixedQueueMap> self = new AtomicReference<>();
        FixedQueueMap q = new FixedQueueMap(kernel, List.of(new HctxTagState(0, tags, false)), 0, hctx -> {
            if (runs.getAndIncrement() == 0) {
                BlkMqTagAlloc.putTag(hctx, 0, self.get().ctx(MAIN_CPU)); // a request completes in the run
            }
        });
        self.set(q);
        assertThat(get(q, MAIN_CPU, false)).isZero();
        assertThat(get(q, 0, true)).isZero();
        assertThat(runs.get()).isEqualTo(1);
    }

    /**
     * P16 / T5: depth 64, so wake_cnt 8. Eight sleepers queue one after the other and so on bs[0..7]
     * (wait_index rotates). Then the 64 tags are freed one at a time. bs[i] ends its batch at the
     * 8(i+1)-th free, so sleeper i is first woken exactly then, within 8 x wake_cnt = 64 frees.
     */
    @Test
    void aSleeperIsWokenWithinEightBatchesOfFrees() {
        BlkMqTags tags = new BlkMqTags(kernel, 64, 0);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            held.add(get(q, MAIN_CPU, false));
        }
        AtomicInteger frees = new AtomicInteger();
        List<Sleeper> sleepers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Sleeper s = startSleeper(q, i % 3, frees);
            sleepers.add(s);
            awaitAsleep(sleepers);
            BtWaitState ws = tags.bitmapTags().bs(i);
            assertThat(kernel.runOn(MAIN_CPU, "observer", () -> ws.waitQueue().entries())).hasSize(1);
        }
        for (int tag : held) {
            frees.incrementAndGet();
            put(q, tag);
            awaitQuiet(sleepers);
        }
        sleepers.forEach(this::join);
        assertThat(failures).isEmpty();
        int wakeCnt = tags.bitmapTags().wakeCnt();
        for (int i = 0; i < 8; i++) {
            assertThat(sleepers.get(i).wakes()).as("sleeper %d woken at frees", i).isNotEmpty();
            int first = sleepers.get(i).wakes().get(0);
            assertThat(first).as("sleeper %d's first wake-up", i).isEqualTo(8 * (i + 1))
                    .isLessThanOrEqualTo(BlkMqBitmapTags.BT_WAIT_QUEUES * wakeCnt);
        }
        for (int i = 0; i < BlkMqBitmapTags.BT_WAIT_QUEUES; i++) {
            assertThat(tags.bitmapTags().bs(i).waitCnt()).as("bs[%d].wait_cnt (T4)", i).isBetween(0, wakeCnt);
        }
    }

    @Test
    void wakeupAllWakesEveryWaitState() {
        BlkMqTags tags = new BlkMqTags(kernel, 2, 1);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        get(q, MAIN_CPU, false);
        int reserved = kernel.runOn(MAIN_CPU, "r", () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, true);
            int t = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            return t;
        });
        assertThat(reserved).isZero();
        AtomicInteger frees = new AtomicInteger();
        List<Sleeper> sleepers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sleepers.add(startSleeper(q, i, frees));
            awaitAsleep(sleepers);
        }
        kernel.runOn(MAIN_CPU, "wakeup_all", () -> tags.wakeupAll(true));
        awaitQuiet(sleepers); // woken sleepers ran (and recorded it) before they could sleep again
        for (Sleeper s : sleepers) {
            assertThat(s.wakes()).isNotEmpty();
        }
        assertThat(sleepers).noneMatch(Sleeper::done);
        drain(q, sleepers, 1);
        assertThat(failures).isEmpty();
    }

    @Test
    void growingTheDepthWakesTheSleepers() {
        assertThat(depthChangeLeavesSleeperAsleep(Set.of())).isFalse();
    }

    @Test
    void seededUpdateDepthNoWakeLeavesTheSleeperAsleep() {
        assertThat(depthChangeLeavesSleeperAsleep(Set.of(TagBug.UPDATE_DEPTH_NO_WAKE))).isTrue();
    }

    /** Depth 1 of 2, the tag held, a sleeper; grow to 2. True if the sleeper is still asleep afterwards. */
    private boolean depthChangeLeavesSleeperAsleep(Set<TagBug> bugs) {
        BlkMqTags tags = new BlkMqTags(kernel, 2, 0, AllocPolicy.FIFO, bugs);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        assertThat(tags.updateDepth(1)).isZero();
        int held = get(q, MAIN_CPU, false);
        Sleeper s = startSleeper(q, 0, new AtomicInteger());
        awaitAsleep(List.of(s));
        assertThat(kernel.runOn(MAIN_CPU, "resize", () -> tags.updateDepth(2))).isZero();
        awaitQuiet(List.of(s));
        boolean asleep = !s.done();
        if (asleep) {
            put(q, held); // let it go
        }
        join(s);
        assertThat(failures).isEmpty();
        assertThat(s.tag().get()).isBetween(0, 1);
        return asleep;
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * Frees {@code held}, then each tag a sleeper gets, until every sleeper has had one: each free
     * (wake_cnt 1 here) wakes the wait state at wake_index that has sleepers.
     */
    private void drain(FixedQueueMap q, List<Sleeper> sleepers, int held) {
        put(q, held);
        Set<Sleeper> freed = new java.util.HashSet<>();
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (freed.size() < sleepers.size()) {
            awaitQuiet(sleepers);
            for (Sleeper s : sleepers) {
                if (s.done() && freed.add(s) && s.tag().get() >= 0) {
                    put(q, s.tag().get());
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("sleepers never all got a tag; failures " + failures);
            }
            Thread.yield();
        }
        sleepers.forEach(this::join);
    }

    /** A kernel thread on {@code cpu} that sleeps in bt_get; each wake-up records {@code frees}. */
    private Sleeper startSleeper(FixedQueueMap q, int cpu, AtomicInteger frees) {
        AtomicReference<Task> task = new AtomicReference<>();
        AtomicInteger tag = new AtomicInteger(Integer.MIN_VALUE);
        List<Integer> wakes = new CopyOnWriteArrayList<>();
        Map<Task, Boolean> started = new ConcurrentHashMap<>();
        BlkMqQueueMap recording = new BlkMqQueueMap() {
            @Override
            public Kernel kernel() {
                return kernel;
            }

            @Override
            public CtxLastTag getCtx() {
                if (started.putIfAbsent(kernel.current(), true) != null) {
                    wakes.add(frees.get()); // every later blk_mq_get_ctx follows an io_schedule()
                }
                return q.getCtx();
            }

            @Override
            public void putCtx(CtxLastTag ctx) {
                q.putCtx(ctx);
            }

            @Override
            public HctxTagState mapQueue(int c) {
                return q.mapQueue(c);
            }

            @Override
            public void runHwQueue(HctxTagState hctx) {
                q.runHwQueue(hctx);
            }
        };
        Thread t = new Thread(() -> {
            try {
                kernel.runOn(cpu, "sleeper" + cpu, () -> {
                    task.set(kernel.current());
                    BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(recording, true, false);
                    int got = BlkMqTagAlloc.getTag(data);
                    recording.putCtx(data.ctx());
                    tag.set(got);
                });
            } catch (Throwable e) {
                failures.add(e);
                tag.set(-2);
            }
        }, "sleeper");
        t.setDaemon(true);
        t.start();
        return new Sleeper(task, t, tag, wakes);
    }

    /** Until every sleeper is asleep in bt_get (or done). */
    private void awaitAsleep(List<Sleeper> sleepers) {
        awaitQuiet(sleepers);
    }

    /** Until each sleeper is done or back in a sleeping state (so it recorded its last wake-up). */
    private void awaitQuiet(List<Sleeper> sleepers) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!sleepers.stream().allMatch(s -> s.done() || s.asleep())) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("sleepers never settled; failures " + failures);
            }
            Thread.yield();
        }
    }

    private void join(Sleeper s) {
        try {
            s.thread().join(BOUND_NANOS / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        assertThat(s.thread().isAlive()).as("sleeper still running").isFalse();
    }

    private int get(FixedQueueMap q, int cpu, boolean mayBlock) {
        return kernel.runOn(cpu, "alloc" + cpu, () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, mayBlock, false);
            int tag = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            return tag;
        });
    }

    private void put(FixedQueueMap q, int tag) {
        kernel.runOn(MAIN_CPU, "free", () -> BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(MAIN_CPU)));
    }
}
