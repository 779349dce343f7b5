package dev.mybrd.lincheck.ida;

/**
 * An {@code ida_simple_remove} of id 0 races an {@code ida_simple_get}, with ids 0 and 1 held: the
 * remove's {@code __clear_bit} and the get's {@code __set_bit} are read-modify-writes of the same
 * bitmap word, and {@code nr_busy} is decremented and incremented, all of which only
 * {@code simple_ida_lock} serialises. Two gets afterwards read the outcome back. Checked against
 * {@link IdaSpec.Holding2}.
 */
public class GetVsRemove extends TwoGetters {
    @Override
    protected int initiallyHeld() {
        return 2;
    }
}
