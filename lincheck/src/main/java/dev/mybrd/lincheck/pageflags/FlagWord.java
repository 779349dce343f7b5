package dev.mybrd.lincheck.pageflags;

import dev.mybrd.mm.PageFlags;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * The bit operations on one shared {@code page->flags} word, checked for linearizability against a
 * plain sequential bit set ({@link FlagWordSpec}). Three bits (0-2) keep threads on different bits of
 * the same word, which is where a non-atomic update loses a neighbour's bit. Every operation is
 * context-free, as bitops are, so no simulated CPU is needed.
 *
 * <p>{@link #setBit} and {@link #clearBit} go through {@link #set} and {@link #clear}, which the
 * seeded variant overrides with the double-underscore forms used without exclusion.
 */
@Param(name = "nr", gen = IntGen.class, conf = "0:2")
public class FlagWord {
    protected final PageFlags flags = new PageFlags();

    protected void set(int nr) {
        flags.setBit(nr);
    }

    protected void clear(int nr) {
        flags.clearBit(nr);
    }

    @Operation
    public void setBit(@Param(name = "nr") int nr) {
        set(nr);
    }

    @Operation
    public void clearBit(@Param(name = "nr") int nr) {
        clear(nr);
    }

    @Operation
    public boolean testAndSetBit(@Param(name = "nr") int nr) {
        return flags.testAndSetBit(nr);
    }

    @Operation
    public boolean testAndClearBit(@Param(name = "nr") int nr) {
        return flags.testAndClearBit(nr);
    }

    /** {@code test_and_set_bit_lock}, the page lock's trylock when {@code nr} is {@code PG_locked}. */
    @Operation
    public boolean testAndSetBitLock(@Param(name = "nr") int nr) {
        return flags.testAndSetBitLock(nr);
    }

    @Operation
    public void clearBitUnlock(@Param(name = "nr") int nr) {
        flags.clearBitUnlock(nr);
    }

    @Operation
    public boolean testBit(@Param(name = "nr") int nr) {
        return flags.testBit(nr);
    }

    @Operation
    public long word() {
        return flags.word();
    }

    /**
     * Seeded: {@code set_bit}/{@code clear_bit} replaced by {@code __set_bit}/{@code __clear_bit} without
     * the exclusion they need (the "__ means the caller provides the lock" rule broken).
     */
    public static class NonAtomic extends FlagWord {
        @Override
        protected void set(int nr) {
            flags.__setBit(nr);
        }

        @Override
        protected void clear(int nr) {
            flags.__clearBit(nr);
        }
    }
}
