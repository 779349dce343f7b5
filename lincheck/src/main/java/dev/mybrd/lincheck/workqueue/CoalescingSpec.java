package dev.mybrd.lincheck.workqueue;

/** The sequential specification of {@link QueueCoalescing}: queue returns !pending and sets it. */
public class CoalescingSpec {
    private boolean pending;

    public boolean queue(int cpu) {
        boolean won = !pending;
        pending = true;
        return won;
    }

    public boolean pending() {
        return pending;
    }
}
