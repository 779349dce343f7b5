package dev.mybrd.lincheck.sbitmap;

/** The sequential meaning of {@link TwoFreers}: with {@code wake_batch} 1, each free wakes one waiter. */
public class TwoFreersSpec {
    private int frees;

    public int free(int cpu) {
        frees++;
        return 0;
    }

    public int woken() {
        return Math.min(2, frees);
    }
}
