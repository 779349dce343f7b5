package dev.mybrd.lincheck.waitqueue;

/**
 * Sequential specification of {@link CompletionWaiters}: constants. The scenarios give every waiter a
 * {@code complete()} of its own (or one {@code complete_all()} for all), so each sequential order
 * returns; the check is that every concurrent one does too.
 */
public class CompletionWaitersSpec {
    public int waitForCompletion(int cpu) {
        return 1;
    }

    public int complete(int cpu) {
        return 0;
    }

    public int completeAll(int cpu) {
        return 0;
    }
}
