package dev.mybrd.lincheck.spinlock;

/** Sequential specification of {@link LockedCounter}: sections run one at a time; misuses do nothing. */
public class CounterSpec {
    private int counter;

    public int lockedIncrement(int cpu) {
        return counter++;
    }

    public int doubleUnlock(int cpu) {
        return counter++;
    }

    public int foreignUnlock(int cpu) {
        return 0;
    }
}
