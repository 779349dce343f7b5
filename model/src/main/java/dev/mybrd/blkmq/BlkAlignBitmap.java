package dev.mybrd.blkmq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct blk_align_bitmap} of v4.4's {@code block/blk-mq-tag.h}: one word of tag bits and the
 * number of bits of it in use ({@code depth}), {@code ____cacheline_aligned_in_smp} so that each word
 * of a map sits on its own cache line and allocators on different CPUs, which start at different
 * hints, tend to touch different lines. (The model keeps one object per word and skips the padding.)
 *
 * <p><b>Bit operations</b> (the generic contract of {@code Documentation/atomic_ops.txt}):
 * {@code test_and_set_bit} is an atomic read-modify-write that returns a value, hence fully ordered
 * (a volatile {@code getAndBitwiseOr}); {@code clear_bit} is atomic but unordered (a plain
 * compare-and-set loop), so {@code bt_clear_tag} adds its own {@code smp_mb()}; {@code test_bit},
 * {@code find_next_zero_bit}, {@code find_next_bit} and {@code bitmap_weight} read the word without
 * ordering (opaque, the {@code READ_ONCE}-like read C compilers cannot cache across a loop);
 * {@code __set_bit} is a plain load and a plain store, used only by the seeded
 * {@link TagBug#NONATOMIC_TEST_AND_SET}.
 *
 * <p>{@code depth} is written by {@code bt_update_count} (depth changes at run time) with plain
 * stores and read by allocators without a lock: opaque here.
 */
public final class BlkAlignBitmap {
    /** {@code BITS_PER_LONG}. */
    public static final int BITS_PER_LONG = 64;
    private static final VarHandle WORD;
    private static final VarHandle DEPTH;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WORD = l.findVarHandle(BlkAlignBitmap.class, "word", long.class);
            DEPTH = l.findVarHandle(BlkAlignBitmap.class, "depth", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private long word;
    @SuppressWarnings("unused") private int depth;

    BlkAlignBitmap() {
    }

    /** {@code bm->word}, read opaque. */
    public long word() {
        return (long) WORD.getOpaque(this);
    }

    /** {@code bm->depth}: the bits of this word in use. */
    public int depth() {
        return (int) DEPTH.getOpaque(this);
    }

    void setDepth(int depth) {
        DEPTH.setOpaque(this, depth);
    }

    /** {@code find_next_zero_bit(&bm->word, size, offset)}: the first clear bit at or after offset, or size. */
    int findNextZeroBit(int size, int offset) {
        return findNext(~word(), size, offset);
    }

    /** {@code find_next_bit(&bm->word, size, offset)}: the first set bit at or after offset, or size. */
    int findNextBit(int size, int offset) {
        return findNext(word(), size, offset);
    }

    /** {@code bitmap_weight(&bm->word, size)}: set bits among the first size. */
    int weight(int size) {
        return Long.bitCount(word() & lowMask(size));
    }

    /** {@code test_and_set_bit(nr, &bm->word)}: atomic, fully ordered; the old bit. */
    boolean testAndSetBit(int nr) {
        long mask = 1L << nr;
        return ((long) WORD.getAndBitwiseOr(this, mask) & mask) != 0;
    }

    /** {@code test_bit(nr, &bm->word)}. */
    boolean testBit(int nr) {
        return (word() & (1L << nr)) != 0;
    }

    /** {@code __set_bit(nr, &bm->word)}: plain load, plain store (seeded bug only). */
    void nonAtomicSetBit(int nr) {
        long old = (long) WORD.get(this);
        WORD.set(this, old | (1L << nr));
    }

    /** {@code clear_bit(nr, &bm->word)}: atomic, unordered. */
    void clearBit(int nr) {
        long mask = 1L << nr;
        long old;
        do {
            old = (long) WORD.getOpaque(this);
        } while (!WORD.weakCompareAndSetPlain(this, old, old & ~mask));
    }

    private static int findNext(long bits, int size, int offset) {
        if (offset >= size) {
            return size;
        }
        long candidates = bits & lowMask(size) & (-1L << offset);
        return candidates == 0 ? size : Long.numberOfTrailingZeros(candidates);
    }

    private static long lowMask(int size) {
        return size >= BITS_PER_LONG ? -1L : (1L << size) - 1;
    }

    @Override
    public String toString() {
        return "{word=0x" + Long.toHexString(word()) + ", depth=" + depth() + "}";
    }
}
