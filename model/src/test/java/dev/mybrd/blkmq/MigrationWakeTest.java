package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.blkmq.BlkMqTags.MigrationWake;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * KR-03 on the model: a task woken in {@code bt_get} on a CPU of another hardware queue, and what is
 * left for the sleepers of the map it slept on ({@link MigrationWake}). Two hardware queues of one tag
 * each ({@code wake_cnt} 1), CPUs 0 and 2 on hctx0, 1 and 3 on hctx1; two sleepers on hctx0
 * ({@code bs[0]}, {@code bs[1]}); CPUs 0 and 2 kept busy so that a woken sleeper resumes on hctx1's
 * CPUs. One free on hctx0 wakes the first sleeper only. Every wait is bounded, and the second
 * sleeper's state is read when nothing but the fix can wake it.
 */
class MigrationWakeTest {
    private static final long BOUND_MILLIS = 20_000;

    private final Kernel kernel = new Kernel(4);
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    MigrationWakeTest() {
        kernel.setHungTaskTimeout(BOUND_MILLIS * 1_000_000);
    }

    @AfterEach
    void releaseCpus() throws InterruptedException {
        release.countDown();
        for (Thread t : threads) {
            t.join(BOUND_MILLIS);
        }
    }

    private record Sleeper(Thread thread, AtomicReference<Task> task, AtomicInteger hctx) {
        boolean asleep() {
            Task t = task.get();
            return t != null && t.sleeping();
        }
    }

    @Test
    void v44IsTheDefaultAndAVariantIsSelectedExplicitly() {
        BlkMqTagSet set = new BlkMqTagSet(kernel, 2, 2, 0, 0, 0);
        assertThat(set.tags(0).migrationWake()).isEqualTo(MigrationWake.V4_4);
        set.withMigrationWake(MigrationWake.WAKE_PREVIOUS);
        assertThat(set.tags(0).migrationWake()).isEqualTo(MigrationWake.WAKE_PREVIOUS);
        assertThat(set.tags(1).migrationWake()).isEqualTo(MigrationWake.WAKE_PREVIOUS);
        assertThatThrownBy(() -> set.withMigrationWake(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set.tags(0).withMigrationWake(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(set.tags(0).migrationWake()).isEqualTo(MigrationWake.WAKE_PREVIOUS);
    }

    /** v4.4: the one wake-up of hctx0 went to the task that left; the other sleeps beside a free tag. */
    @Test
    void v44LeavesTheOtherSleeperOfTheOldQueueAsleep() throws InterruptedException {
        FixedQueueMap q = queues(MigrationWake.V4_4);
        BlkMqBitmapTags bt0 = q.hctx(0).tags().bitmapTags();
        Sleeper[] s = migrateFirstSleeper(q);
        assertThat(s[0].hctx().get()).isEqualTo(1);
        assertThat(s[1].asleep()).isTrue();
        assertThat(bt0.bs(1).waitQueue().waitqueueActive()).isTrue();
        assertThat(bt0.unusedTags()).isEqualTo(1);
        kernel.runOn(3, "wakeup_all", () -> q.hctx(0).tags().wakeupAll(false)); // end the test: wake it by hand
        s[1].thread().join(BOUND_MILLIS);
        assertThat(failures).isEmpty();
    }

    /** e6fc46498784: the task that left wakes hctx0 once more, and the other sleeper gets a tag. */
    @Test
    void wakePreviousPassesTheWakeUpOn() throws InterruptedException {
        FixedQueueMap q = queues(MigrationWake.WAKE_PREVIOUS);
        Sleeper[] s = migrateFirstSleeper(q);
        assertThat(s[0].hctx().get()).isEqualTo(1);
        s[1].thread().join(BOUND_MILLIS);
        assertThat(s[1].thread().isAlive()).isFalse();
        assertThat(s[1].hctx().get()).isEqualTo(1); // it too woke up on hctx1's CPUs
        assertThat(failures).isEmpty();
        assertThat(q.hctx(0).tags().bitmapTags().bs(1).waitQueue().waitqueueActive()).isFalse();
    }

    /**
     * A sleeper that wakes up on a CPU of its own hardware queue keeps its map, and the fix adds no
     * wake-up: CPUs 0 and 2 are free, so the woken task resumes on CPU 0.
     */
    @Test
    void noMigrationNoExtraWakeUp() throws InterruptedException {
        FixedQueueMap q = queues(MigrationWake.WAKE_PREVIOUS);
        BlkMqBitmapTags bt0 = q.hctx(0).tags().bitmapTags();
        int held = getNoWait(q, 0);
        Sleeper a = startSleeper(q, 0);
        await(a::asleep);
        Sleeper b = startSleeper(q, 2);
        await(b::asleep);
        kernel.runOn(2, "irq/2", () -> BlkMqTagAlloc.putTag(q.hctx(0), held, q.ctx(0)));
        a.thread().join(BOUND_MILLIS);
        b.thread().join(BOUND_MILLIS);
        assertThat(failures).isEmpty();
        assertThat(a.hctx().get()).isZero();
        assertThat(b.hctx().get()).isZero();
        // two wake-ups: the free woke a, a's put woke b. An extra one on a's return would have woken b
        // early; one of the two would have found the tag taken and slept again, and a third wake-up
        // would have ended that sleep
        assertThat(bt0.wakeIndex()).isEqualTo(2);
    }

    /**
     * hctx0's tag in flight; two sleepers on hctx0 (CPU 0, then CPU 2); CPUs 0 and 2 busy; the tag is
     * freed from CPU 3. Returns when the first sleeper is done (it took and gave back a tag of hctx1).
     */
    private Sleeper[] migrateFirstSleeper(FixedQueueMap q) throws InterruptedException {
        int held = getNoWait(q, 0);
        Sleeper first = startSleeper(q, 0);
        await(first::asleep);
        Sleeper second = startSleeper(q, 2);
        await(second::asleep);
        CountDownLatch busy = new CountDownLatch(2);
        for (int cpu : new int[] {0, 2}) {
            threads.add(kernel.kthreadRun(cpu, "busy/" + cpu, () -> {
                busy.countDown();
                try {
                    release.await(BOUND_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        assertThat(busy.await(BOUND_MILLIS, TimeUnit.MILLISECONDS)).isTrue();
        kernel.runOn(3, "irq/3", () -> BlkMqTagAlloc.putTag(q.hctx(0), held, q.ctx(0)));
        first.thread().join(BOUND_MILLIS);
        assertThat(first.thread().isAlive()).isFalse();
        return new Sleeper[] {first, second};
    }

    private FixedQueueMap queues(MigrationWake variant) {
        return new FixedQueueMap(kernel, List.of(
                new HctxTagState(0, new BlkMqTags(kernel, 1, 0).withMigrationWake(variant), false),
                new HctxTagState(1, new BlkMqTags(kernel, 1, 0).withMigrationWake(variant), false)), 0, null);
    }

    private int getNoWait(FixedQueueMap q, int cpu) {
        return kernel.runOn(cpu, "dd", () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, false);
            int tag = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            return tag;
        });
    }

    /** A task on {@code cpu} that gets a tag, sleeping if need be, notes its hardware queue and frees the tag. */
    private Sleeper startSleeper(FixedQueueMap q, int cpu) {
        AtomicReference<Task> task = new AtomicReference<>();
        AtomicInteger hctx = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            try {
                kernel.runOn(cpu, "io/" + cpu, () -> {
                    task.set(kernel.current());
                    BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, true, false);
                    int tag = BlkMqTagAlloc.getTag(data);
                    q.putCtx(data.ctx());
                    hctx.set(data.hctx().queueNum());
                    BlkMqTagAlloc.putTag(data.hctx(), tag, data.ctx());
                });
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        t.setDaemon(true);
        t.start();
        threads.add(t);
        return new Sleeper(t, task, hctx);
    }

    private static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_MILLIS * 1_000_000;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("bounded wait").isNegative();
            Thread.sleep(1);
        }
    }
}
