package dev.mybrd.workqueue;

import java.util.function.BooleanSupplier;

/** Bounded waiting for a state the model reaches by itself (no timing assertions: the bound only turns a hang into a failure). */
final class Await {
    private static final long BOUND_NANOS = 20_000_000_000L;

    private Await() {
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }
}
