package dev.mybrd.sched;

import dev.mybrd.kernel.Kernel;

/** Bounded waits the sched tests use to line tasks up (no sleeps, no timing assertions). */
final class WaitTesting {
    private static final long BOUND_NANOS = 20_000_000_000L;

    private WaitTesting() {
    }

    /** Spins until {@code wq} holds {@code n} entries, looking from {@code cpu}; fails after the bound. */
    static void awaitQueued(Kernel kernel, int cpu, WaitQueueHead wq, int n) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (kernel.runOn(cpu, "observer", () -> wq.entries().size()) < n) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("wait queue " + wq.name() + " never held " + n + " entries: "
                        + kernel.runOn(cpu, "observer", wq::entries) + "; oopses " + kernel.oopses());
            }
            Thread.yield();
        }
    }

    static void join(Thread t) {
        try {
            t.join(BOUND_NANOS / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (t.isAlive()) {
            throw new AssertionError(t.getName() + " still runs after " + BOUND_NANOS / 1_000_000 + " ms");
        }
    }
}
