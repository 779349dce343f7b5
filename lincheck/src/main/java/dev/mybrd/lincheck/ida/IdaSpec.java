package dev.mybrd.lincheck.ida;

import dev.mybrd.kernel.Errno;
import java.util.TreeSet;

/**
 * The sequential specification of the IDA (spec section 3.12's abstract state): a sorted set of
 * allocated ids. {@code get(start, end)} adds and returns the smallest id {@code >= start} not in the
 * set, or {@code -ENOSPC} if it is not below {@code end} ({@code end == 0}: no limit);
 * {@code remove(id)} answers 0 if the id was in the set and {@code -EINVAL} (the model's report of
 * the kernel's WARN) if not. Bad ranges answer {@code -EINVAL}. Method names and parameters match the
 * checked classes, as Lincheck requires.
 */
public class IdaSpec {
    private final TreeSet<Integer> ids = new TreeSet<>();

    public IdaSpec() {
        this(0);
    }

    /** A set that already holds ids {@code 0 .. held - 1}. */
    protected IdaSpec(int held) {
        for (int i = 0; i < held; i++) {
            ids.add(i);
        }
    }

    /** Starts with id 0 held. */
    public static class Holding1 extends IdaSpec {
        public Holding1() {
            super(1);
        }
    }

    /** Starts with ids 0 and 1 held. */
    public static class Holding2 extends IdaSpec {
        public Holding2() {
            super(2);
        }
    }

    public int get(int cpu, int start, int end) {
        if (start < 0 || end < 0 || (end != 0 && end < start)) {
            return Errno.EINVAL.negative();
        }
        int id = start;
        while (ids.contains(id)) {
            id++;
        }
        if (end != 0 && id >= end) {
            return Errno.ENOSPC.negative();
        }
        ids.add(id);
        return id;
    }

    public int remove(int cpu, int id) {
        return id >= 0 && ids.remove(id) ? 0 : Errno.EINVAL.negative();
    }
}
