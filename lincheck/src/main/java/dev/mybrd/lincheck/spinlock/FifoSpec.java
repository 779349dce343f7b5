package dev.mybrd.lincheck.spinlock;

import java.util.ArrayDeque;

/**
 * Sequential specification of {@link FifoLock}: a queue of arrivals; an entry is served only to the
 * task at its head, and returns how many entries came before. An {@code enter} by any other task would
 * wait in a sequential world; it returns -1, which a real run never returns, so such an order is not
 * a valid linearization.
 */
public class FifoSpec {
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    private int entries;

    public void arrive(int cpu) {
        queue.addLast(cpu);
    }

    public int enter(int cpu) {
        Integer head = queue.peekFirst();
        if (head == null || head != cpu) {
            return -1;
        }
        queue.pollFirst();
        return entries++;
    }
}
