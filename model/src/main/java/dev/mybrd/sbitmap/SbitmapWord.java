package dev.mybrd.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct sbitmap_word}: one word of an {@link Sbitmap} ({@code ____cacheline_aligned_in_smp} in
 * the kernel). {@code word} holds the allocated bits, {@code cleared} the bits freed since the last
 * move back, and {@code swap_lock} serialises that move where the variant takes it. Both masks are
 * {@code unsigned long}s changed by atomic bit operations; plain reads of them are
 * {@code READ_ONCE}, here opaque.
 */
final class SbitmapWord {
    private static final VarHandle WORD;
    private static final VarHandle CLEARED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WORD = l.findVarHandle(SbitmapWord.class, "word", long.class);
            CLEARED = l.findVarHandle(SbitmapWord.class, "cleared", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private long word;
    @SuppressWarnings("unused") private long cleared;
    final SpinLock swapLock;

    SbitmapWord(Kernel kernel, int index) {
        this.swapLock = new SpinLock(kernel, "sb.map[" + index + "].swap_lock");
    }

    /** {@code READ_ONCE(map->word)}. */
    long word() {
        return (long) WORD.getOpaque(this);
    }

    /** {@code READ_ONCE(map->cleared)}. */
    long cleared() {
        return (long) CLEARED.getOpaque(this);
    }

    /** {@code test_and_set_bit_lock(nr, &map->word)}: acquire; true if the bit was already set. */
    boolean testAndSetBitLock(long bit) {
        return ((long) WORD.getAndBitwiseOrAcquire(this, bit) & bit) != 0;
    }

    /** {@code atomic_long_andnot(mask, &map->word)}. */
    void andnotWord(long mask) {
        WORD.getAndBitwiseAnd(this, ~mask);
    }

    /** {@code xchg(&map->cleared, 0)}: fully ordered. */
    long xchgCleared() {
        return (long) CLEARED.getAndSet(this, 0L);
    }

    /** {@code set_bit(bit, &map->cleared)}. */
    void setClearedBit(long bit) {
        CLEARED.getAndBitwiseOr(this, bit);
    }
}
