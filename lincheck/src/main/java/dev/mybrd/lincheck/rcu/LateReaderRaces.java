package dev.mybrd.lincheck.rcu;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.rcu.Rcu;
import dev.mybrd.rcu.RcuBug;
import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The "late reader" race, played as a fixed script on real threads: a grace period is already in
 * progress; a reader starts after it began (so it does not wait for the reader) and picks up
 * {@code gbl_foo}; an updater then replaces {@code gbl_foo} and reclaims the old object. The
 * reclamation must wait for the <em>next</em> grace period, which does wait for the reader
 * ({@code rcu_cbs_completed()}: {@code ->completed + 2}). Attaching it to the running one
 * ({@link RcuBug#CALLBACK_JOINS_CURRENT_GP}) frees the object under the reader.
 *
 * <p>Lincheck's model checker can express this race, but it needs two preemptions at particular
 * points among hundreds, which random exploration does not reach within the suite's budget; the
 * script reaches it every time. Each step waits for the model's own state (a task asleep, a grace
 * period started), bounded, never for time. Each method returns what the reader saw if it saw a
 * freed object, else null.
 */
final class LateReaderRaces {
    private static final long STEP_NANOS = TimeUnit.SECONDS.toNanos(10);

    private LateReaderRaces() {
    }

    /** The race with {@code synchronize_rcu(); kfree(old)} as the reclamation. */
    static String synchronize(EnumSet<RcuBug> bugs) throws Exception {
        Rcu rcu = new Rcu(new Kernel(4), bugs);
        Kernel kernel = rcu.kernel();
        Foo foo = new Foo(rcu);
        // Step 1: a task on CPU2 keeps the coming grace period open.
        Gate holder = Gate.hold(kernel, 2, "holder");
        // Step 2: an updater on CPU0 replaces foo (a=1 -> 2) and sleeps in synchronize_rcu: grace period 1.
        AtomicReference<Task> first = new AtomicReference<>();
        Thread firstUpdater = start(() -> kernel.runOn(0, "updater-1", () -> {
            first.set(kernel.current());
            foo.update(true);
        }));
        await(() -> asleep(first.get(), kernel, 0), "updater-1 asleep in synchronize_rcu");
        // Step 3: a reader on CPU1 starts during grace period 1 and picks up foo (a=2).
        Reader reader = Reader.start(kernel, 1, foo);
        // Step 4: an updater on CPU3 replaces foo (a=2 -> 3) and sleeps in synchronize_rcu.
        AtomicReference<Task> second = new AtomicReference<>();
        AtomicBoolean secondFreed = new AtomicBoolean();
        Thread secondUpdater = start(() -> kernel.runOn(3, "updater-2", () -> {
            second.set(kernel.current());
            foo.update(true);
            secondFreed.set(true);
        }));
        await(() -> asleep(second.get(), kernel, 3), "updater-2 asleep in synchronize_rcu");
        // Step 5: CPU2's task leaves: grace period 1 ends. Either updater-2 was satisfied by it and
        // freed a=2 (the bug), or grace period 2 now waits for the reader's CPU.
        holder.release();
        await(() -> secondFreed.get() || (rcu.gpnum() >= 2 && rcu.describe().contains("->qsmask=0x2")),
                "updater-2 freed the old foo, or grace period 2 waits for CPU1");
        // Step 6: the reader reads foo->a and leaves.
        int a = reader.readAndLeave();
        firstUpdater.join(STEP_NANOS / 1_000_000);
        secondUpdater.join(STEP_NANOS / 1_000_000);
        return verdict(a, 2, rcu);
    }

    /** The race with {@code call_rcu(&old->rcu, free_foo)} as the reclamation. */
    static String callRcu(EnumSet<RcuBug> bugs) throws Exception {
        Rcu rcu = new Rcu(new Kernel(4), bugs);
        Kernel kernel = rcu.kernel();
        Foo foo = new Foo(rcu);
        // Step 1: a task on CPU2 (it will be the second updater) keeps the coming grace period open.
        Gate updater2 = Gate.hold(kernel, 2, "updater-2");
        // Step 2: an updater on CPU0 retires foo (a=1 -> 2); RCU_SOFTIRQ at its exit starts grace period 1.
        kernel.runOn(0, "updater-1", () -> foo.retire());
        await(() -> rcu.gpnum() == 1 && rcu.completed() == 0, "grace period 1 in progress");
        // Step 3: a reader on CPU1 starts during grace period 1 and picks up foo (a=2).
        Reader reader = Reader.start(kernel, 1, foo);
        // Step 4: CPU2's task retires foo (a=2 -> 3) and leaves; grace period 1 ends.
        updater2.releaseAfter(foo::retire);
        await(() -> rcu.completed() >= 1, "grace period 1 ended");
        // Step 5: a scheduling-clock tick on CPU2 runs its RCU_SOFTIRQ: ready callbacks are invoked.
        kernel.runOn(2, "tick", rcu::schedulingClockTick);
        // Step 6: the reader reads foo->a and leaves.
        int a = reader.readAndLeave();
        return verdict(a, 2, rcu);
    }

    private static String verdict(int a, int expected, Rcu rcu) {
        if (a == expected) {
            return null;
        }
        return "a reader that began during grace period 1 read foo->a = 0x" + Integer.toHexString(a)
                + (a == RcuObject.POISON_FREE ? " (POISON_FREE: the object was freed under it)" : "")
                + " instead of " + expected + "; " + rcu.describe();
    }

    /** {@code gbl_foo} and its two update styles, under {@code foo_lock}. */
    private static final class Foo {
        private final Rcu rcu;
        private final RcuPointer<RcuObject> gblFoo = new RcuPointer<>(new RcuObject(1));
        private final SpinLock fooLock;

        Foo(Rcu rcu) {
            this.rcu = rcu;
            this.fooLock = new SpinLock(rcu.kernel(), "foo_lock");
        }

        private RcuObject replace() {
            fooLock.lock();
            try {
                RcuObject old = gblFoo.dereferenceProtected(true);
                gblFoo.assign(new RcuObject(old.a() + 1));
                return old;
            } finally {
                fooLock.unlock();
            }
        }

        void update(boolean waitForReaders) {
            RcuObject old = replace();
            if (waitForReaders) {
                rcu.synchronizeRcu();
            }
            old.kfree();
        }

        void retire() {
            replace().kfreeRcu(rcu);
        }
    }

    /** A reader that takes {@code rcu_read_lock}, dereferences, and holds the section until told. */
    private static final class Reader {
        private final CountDownLatch inside = new CountDownLatch(1);
        private final CountDownLatch leave = new CountDownLatch(1);
        private final AtomicReference<Integer> seen = new AtomicReference<>();
        private Thread thread;

        static Reader start(Kernel kernel, int cpu, Foo foo) {
            Reader r = new Reader();
            r.thread = LateReaderRaces.start(() -> kernel.runOn(cpu, "reader", () -> {
                foo.rcu.readLock();
                try {
                    RcuObject p = foo.gblFoo.dereference();
                    r.inside.countDown();
                    awaitLatch(r.leave);
                    r.seen.set(p.a());
                } finally {
                    foo.rcu.readUnlock();
                }
            }));
            awaitLatch(r.inside);
            return r;
        }

        int readAndLeave() throws InterruptedException {
            leave.countDown();
            thread.join(STEP_NANOS / 1_000_000);
            if (seen.get() == null) {
                throw new IllegalStateException("the reader did not finish");
            }
            return seen.get();
        }
    }

    /** A task that holds a CPU (not in a read-side section) until released. */
    private static final class Gate {
        private final CountDownLatch in = new CountDownLatch(1);
        private final CountDownLatch out = new CountDownLatch(1);
        private volatile Runnable before = () -> { };
        private Thread thread;

        static Gate hold(Kernel kernel, int cpu, String comm) {
            Gate g = new Gate();
            g.thread = LateReaderRaces.start(() -> kernel.runOn(cpu, comm, () -> {
                g.in.countDown();
                awaitLatch(g.out);
                g.before.run();
            }));
            awaitLatch(g.in);
            return g;
        }

        void release() throws InterruptedException {
            releaseAfter(() -> { });
        }

        /** Lets the task run {@code action} on its CPU, then leave. */
        void releaseAfter(Runnable action) throws InterruptedException {
            before = action;
            out.countDown();
            thread.join(STEP_NANOS / 1_000_000);
        }
    }

    private static boolean asleep(Task t, Kernel kernel, int cpu) {
        return t != null && t.state() == Task.TASK_UNINTERRUPTIBLE && kernel.cpu(cpu).owner() == null;
    }

    private static Thread start(Runnable body) {
        Thread t = new Thread(body, "late-reader-race");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + STEP_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("script step not reached within 10 s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(STEP_NANOS, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("script step not reached within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
