package dev.mybrd.lincheck.migration;

import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqBitmapTags;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.blkmq.BlkMqTags;
import dev.mybrd.blkmq.CtxLastTag;
import dev.mybrd.blkmq.FixedQueueMap;
import dev.mybrd.blkmq.HctxTagState;
import dev.mybrd.kernel.HungTaskBug;
import dev.mybrd.kernel.Kernel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * KR-03 on v4.4's {@code bt_get} ({@link BlkMqTagAlloc}): the setup of e6fc46498784's commit message,
 * driven step by step on the model's simulated CPUs. Two hardware queues of two tags each
 * ({@code nr_requests} 2, so {@code wake_cnt} 1), CPUs 0 and 2 mapped to hctx0, 1 and 3 to hctx1
 * ({@link FixedQueueMap}). Two requests of hctx0 are in flight; three tasks on hctx0's CPUs find no tag
 * and sleep in {@code bt_get}, one per wait state ({@code bt_wait_ptr} rotates {@code wait_index}).
 * Other tasks then keep CPUs 0 and 2 busy, so that a sleeper woken now resumes on CPU 1 or 3 (the
 * scheduler's choice, {@link Kernel#schedule}). The two requests complete (on CPU 3): with
 * {@code wake_cnt} 1 each free wakes one wait state, so the first two sleepers wake, move to hctx1 and
 * take (and give back) its tags. Property (P16): all three sleepers get a tag, since hctx0 has two
 * free tags. v4.4 spent hctx0's two wake-ups on the tasks that left: the third sleeps on with both
 * tags of hctx0 free and nothing in flight there, and the model's hung-task bound reports it, naming
 * the wait state. With e6fc46498784 each task that leaves hctx0 wakes it once more and the third is
 * woken.
 *
 * <p>The scenario is a fixed sequence, not a search: each step waits (bounded) until the previous one
 * is done, and every order the wake-ups and the migrated tasks can take leads to the same verdict.
 * v4.4: the two frees are hctx0's only wake-ups, each wakes one wait state, and nothing of hctx0 is
 * freed again. Fixed: each task woken on hctx0 gives it a wake-up back as it leaves, so while a
 * sleeper is left there a wake-up is under way (two that meet on one wait state wake one task, who
 * gives one back). The steps are recorded and returned with the verdict.
 */
public final class MigratedWaiters {
    /** The hung-task bound: far above what the fixed run takes, so a report means a hang. */
    static final long HUNG_TASK_NANOS = 1_000_000_000L;
    private static final long STEP_MILLIS = 10_000;

    private final Kernel kernel = new Kernel(4);
    private final FixedQueueMap q;
    private final List<String> steps = Collections.synchronizedList(new ArrayList<>());

    private MigratedWaiters(BlkMqTags.MigrationWake variant) {
        kernel.setHungTaskTimeout(HUNG_TASK_NANOS);
        List<HctxTagState> hctxs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            hctxs.add(new HctxTagState(i, new BlkMqTags(kernel, 2, 0).withMigrationWake(variant), false));
        }
        q = new FixedQueueMap(kernel, hctxs, 0, null);
    }

    /** Runs the scenario on {@code variant}: null if all three sleepers got a tag, else the hang and the steps. */
    public static String run(BlkMqTags.MigrationWake variant) throws InterruptedException {
        return new MigratedWaiters(variant).run();
    }

    private String run() throws InterruptedException {
        BlkMqBitmapTags bt0 = q.hctx(0).tags().bitmapTags();
        List<Integer> inFlight = kernel.runOn(0, "dd", () -> List.of(getNoWait(), getNoWait()));
        step("dd on CPU 0: two requests in flight on hctx0, tags " + inFlight + "; hctx0's map is full");
        String[] names = {"io-A", "io-B", "io-C"};
        int[] cpus = {0, 2, 0};
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            int ws = i;
            waiters.add(kernel.kthreadRun(cpus[i], names[i], this::submit));
            if (!await(() -> bt0.bs(ws).waitQueue().waitqueueActive() && kernel.cpu(cpus[ws]).owner() == null)) {
                return "scenario broken: " + names[i] + " never slept on " + bt0.bs(ws) + "; " + kernel.oopses();
            }
            step(names[i] + " on CPU " + cpus[i] + " (hctx0): no tag, sleeps in bt_get on " + bt0.bs(ws));
        }
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(2);
        List<Thread> blockers = new ArrayList<>();
        for (int cpu : new int[] {0, 2}) {
            blockers.add(kernel.kthreadRun(cpu, "busy/" + cpu, () -> {
                busy.countDown();
                awaitQuietly(release);
            }));
        }
        try {
            if (!busy.await(STEP_MILLIS, TimeUnit.MILLISECONDS)) {
                return "scenario broken: CPUs 0 and 2 never got busy";
            }
            step("busy/0, busy/2: CPUs 0 and 2 (hctx0's) are taken by other tasks");
            kernel.runOn(3, "irq/3", () -> {
                for (int tag : inFlight) {
                    step("irq/3 on CPU 3: a request of hctx0 completes, blk_mq_put_tag(" + tag + "): wake_cnt 1,"
                            + " so the free wakes the first wait state with sleepers from wake_index "
                            + bt0.wakeIndex());
                    BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(0));
                }
            });
            for (Thread t : waiters) {
                t.join(HUNG_TASK_NANOS / 1_000_000 + STEP_MILLIS);
            }
        } finally {
            release.countDown();
            for (Thread t : blockers) {
                t.join(STEP_MILLIS);
            }
        }
        return verdict(waiters, bt0);
    }

    /** A task's I/O: a tag (sleeping for it if need be), which its request soon gives back. */
    private void submit() {
        BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, true, false);
        int tag = BlkMqTagAlloc.getTag(data);
        CtxLastTag ctx = data.ctx();
        HctxTagState hctx = data.hctx();
        q.putCtx(ctx);
        step(kernel.current().comm() + " woke up, now on CPU " + ctx.cpu() + ": got tag " + tag + " of hctx"
                + hctx.queueNum() + "; its request completes");
        BlkMqTagAlloc.putTag(hctx, tag, ctx);
    }

    /** {@code blk_mq_get_tag} without sleeping, on the current CPU. */
    private int getNoWait() {
        BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, false);
        int tag = BlkMqTagAlloc.getTag(data);
        q.putCtx(data.ctx());
        return tag;
    }

    private String verdict(List<Thread> waiters, BlkMqBitmapTags bt0) {
        List<String> wrong = new ArrayList<>();
        for (Throwable oops : kernel.oopses()) {
            wrong.add(oops instanceof HungTaskBug ? oops.getMessage() : "oops: " + oops);
        }
        for (Thread t : waiters) {
            if (t.isAlive()) {
                wrong.add(t.getName() + " still runs after the hung-task bound");
            }
        }
        if (wrong.isEmpty()) {
            return null;
        }
        return String.join("; ", wrong) + " -- while hctx0's " + bt0 + " has " + bt0.unusedTags()
                + " free tags and no request in flight\n" + describeSteps();
    }

    private String describeSteps() {
        StringBuilder sb = new StringBuilder();
        synchronized (steps) {
            for (String s : steps) {
                sb.append("  ").append(s).append('\n');
            }
        }
        return sb.toString();
    }

    private void step(String s) {
        steps.add(s);
    }

    /** The steps recorded so far, one a line (for the docs and for a passing run's log). */
    List<String> steps() {
        synchronized (steps) {
            return List.copyOf(steps);
        }
    }

    private static boolean await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + STEP_MILLIS * 1_000_000;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(STEP_MILLIS * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
