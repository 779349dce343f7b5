package dev.mybrd.lincheck.ida;

import org.jetbrains.lincheck.datastructures.Operation;

/**
 * Two {@code ida_simple_get} calls race for the lowest free id, with id 0 already held: both search
 * the same bitmap word, where only {@code simple_ida_lock} keeps them from taking the same bit.
 * Checked against {@link IdaSpec.Holding1}; the answers must be 1 and 2, in either order.
 */
public class TwoGetters extends IdaOps {
    @Override
    protected int initiallyHeld() {
        return 1;
    }

    @Operation
    public int get(int cpu, int start, int end) {
        return simpleGet(cpu, start, end);
    }

    @Operation
    public int remove(int cpu, int id) {
        return simpleRemove(cpu, id);
    }
}
