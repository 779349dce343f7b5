package dev.mybrd.sbitmap;

import dev.mybrd.kernel.Kernel;
import java.util.Objects;

/**
 * {@code struct sbitmap} of the later kernels' {@code lib/sbitmap.c} (v5.0 to v6.11): a scalable
 * bitmap of {@code depth} bits split into words ({@code struct sbitmap_word}) of {@code 1 << shift}
 * bits, each on its own cache line in the kernel. A set bit is an allocated tag.
 *
 * <p><b>Deferred clearing.</b> Freeing a bit does not touch {@code word}: it sets the bit in the
 * word's {@code cleared} mask ({@code sbitmap_deferred_clear_bit}), so allocators and freers do not
 * fight over one cache line. An allocator that finds {@code word} full moves {@code cleared} into it
 * ({@code sbitmap_deferred_clear}: take the mask with {@code xchg(&cleared, 0)}, then
 * {@code atomic_long_andnot(mask, &word)}) and tries again. A bit is free when it is clear in
 * {@code word} or set in {@code cleared}; invariant: a bit set in {@code cleared} is set in
 * {@code word}.
 *
 * <p><b>The window (KR-09).</b> Between the {@code xchg} and the {@code andnot} the freed bits are in
 * neither mask's "free" view: {@code cleared} is 0 and {@code word} is still full. Commit
 * 661d4f55a794 ("sbitmap: remove swap_lock", v5.10) made the move lockless; a second allocator that
 * looks in that window finds the word full and nothing to move, and gives up although every bit is
 * about to be free: {@link DeferredClear#LOCKLESS}. Commit 72d04bdcf3f7 ("sbitmap: fix io hung due to
 * race on sbitmap_word::cleared", v6.11) brought back {@code swap_lock} around the move and, when there
 * is nothing to move, answers "retry" if the word has a free bit (taking the hint into account, so a
 * non-wrapping search cannot loop): {@link DeferredClear#SWAP_LOCK}. The lockless code is the stored
 * v6.0 {@code lib/sbitmap.c}; the locked one follows the commit as posted (v5) and is written from
 * that description and memory.
 *
 * <p>Simplifications: one allocation hint of 0 for every CPU (the kernel seeds per-CPU hints at
 * random; with a hint of 0 the search is the same first-fit the kernel does when a hint is 0); no
 * round-robin mode, shallow depth or resizing. Words are {@code long}s, so {@code shift} is 0 to 6.
 */
public final class Sbitmap {
    /** How {@code sbitmap_deferred_clear} moves freed bits back. */
    public enum DeferredClear {
        /** 661d4f55a794 (v5.10 to v6.10): {@code xchg} then {@code andnot}, no lock. */
        LOCKLESS,
        /** 72d04bdcf3f7 (v6.11): under {@code swap_lock}; with nothing to move, retry if a bit is free. */
        SWAP_LOCK
    }

    private final Kernel kernel;
    private final DeferredClear variant;
    private final int depth;
    private final int shift;
    private final int mapNr;
    /** {@code sb->map}; {@code swap_lock} is used by {@link DeferredClear#SWAP_LOCK} only. */
    private final SbitmapWord[] map;

    /**
     * {@code sbitmap_init_node(sb, depth, shift, ...)}: {@code depth} bits (1 to 64 * 64) in words of
     * {@code 1 << shift} bits (shift 0 to 6). {@code -EINVAL} in the kernel for a word wider than a
     * long; here an exception, as for a depth the model does not take.
     */
    public Sbitmap(Kernel kernel, int depth, int shift, DeferredClear variant) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.variant = Objects.requireNonNull(variant, "variant");
        if (shift < 0 || shift > 6) {
            throw new IllegalArgumentException("sbitmap: shift " + shift + " gives words wider than a long (-EINVAL)");
        }
        if (depth < 1 || depth > 64 * 64) {
            throw new IllegalArgumentException("sbitmap: depth must be 1 to 4096, got " + depth);
        }
        this.depth = depth;
        this.shift = shift;
        this.mapNr = (depth + (1 << shift) - 1) >> shift;
        this.map = new SbitmapWord[mapNr];
        for (int i = 0; i < mapNr; i++) {
            map[i] = new SbitmapWord(kernel, i);
        }
    }

    /** {@code sbitmap_calculate_shift(depth)}: words of 64 bits, or fewer so that there are at least 4 words. */
    public static int calculateShift(int depth) {
        int shift = 6;
        if (depth >= 4) {
            while ((4 << shift) > depth) {
                shift--;
            }
        }
        return shift;
    }

    public int depth() {
        return depth;
    }

    public int shift() {
        return shift;
    }

    public DeferredClear variant() {
        return variant;
    }

    /** {@code __map_depth(sb, index)}: bits in word {@code index} (the last one may be partial). */
    int mapDepth(int index) {
        return index == mapNr - 1 ? depth - (index << shift) : 1 << shift;
    }

    // ---- allocation ---------------------------------------------------------------------------------

    /**
     * {@code sbitmap_get(sb)}: the number of a bit this call set, or -1 if every bit is taken. Words
     * are tried in turn from word 0; in each, first-fit, moving deferred clears when the word is full.
     */
    public int get() {
        for (int index = 0; index < mapNr; index++) {
            int nr = findBitInIndex(index);
            if (nr != -1) {
                return nr + (index << shift);
            }
        }
        return -1;
    }

    /** {@code sbitmap_find_bit_in_index}: try the word; while it is full and a deferred move helps, again. */
    private int findBitInIndex(int index) {
        while (true) {
            int nr = getWord(index, mapDepth(index), 0);
            if (nr != -1) {
                return nr;
            }
            if (!deferredClear(index, mapDepth(index), 0, true)) {
                return -1;
            }
        }
    }

    /**
     * {@code __sbitmap_get_word}: find a zero bit from {@code hint} and claim it with
     * {@code test_and_set_bit_lock} (acquire); if another CPU took it first, look further.
     */
    private int getWord(int index, int mapDepth, int hint) {
        while (true) {
            int nr = findNextZeroBit(readWord(index), mapDepth, hint);
            if (nr >= mapDepth) {
                return -1;
            }
            if (!map[index].testAndSetBitLock(1L << nr)) {
                return nr;
            }
            hint = nr + 1;
            if (hint >= mapDepth - 1) {
                hint = 0;
            }
        }
    }

    private static int findNextZeroBit(long w, int size, int from) {
        for (int nr = from; nr < size; nr++) {
            if ((w & (1L << nr)) == 0) {
                return nr;
            }
        }
        return size;
    }

    /** {@code READ_ONCE(map->word)}. */
    private long readWord(int index) {
        return map[index].word();
    }

    /** {@code sbitmap_deferred_clear(map, ...)}: true if the caller should try the word again. */
    boolean deferredClear(int index, int mapDepth, int allocHint, boolean wrap) {
        return variant == DeferredClear.LOCKLESS ? deferredClearLockless(index) : deferredClearLocked(index, mapDepth,
                allocHint, wrap);
    }

    /** 661d4f55a794: nothing to move means "give up"; a concurrent move may be half done. */
    private boolean deferredClearLockless(int index) {
        if (map[index].cleared() == 0) {
            return false;
        }
        moveCleared(index);
        return true;
    }

    /**
     * 72d04bdcf3f7: the check and the move under {@code swap_lock}, so no one sees the half-done
     * move; with nothing to move, retry when the word (from the hint, unless the search wraps) has
     * a free bit, which a move that just finished may have made.
     */
    private boolean deferredClearLocked(int index, int mapDepth, int allocHint, boolean wrap) {
        boolean flags = map[index].swapLock.lockIrqsave();
        try {
            if (map[index].cleared() == 0) {
                if (mapDepth == 0) {
                    return false;
                }
                long wordMask = -1L >>> (64 - mapDepth);
                if (!wrap && allocHint != 0) {
                    wordMask &= ~((1L << allocHint) - 1);
                }
                return (readWord(index) & wordMask) != wordMask;
            }
            moveCleared(index);
            return true;
        } finally {
            map[index].swapLock.unlockIrqrestore(flags);
        }
    }

    /** {@code mask = xchg(&map->cleared, 0); atomic_long_andnot(mask, &map->word)}. */
    private void moveCleared(int index) {
        long mask = map[index].xchgCleared();
        map[index].andnotWord(mask);
    }

    // ---- freeing ------------------------------------------------------------------------------------

    /** {@code sbitmap_deferred_clear_bit(sb, bitnr)}: {@code set_bit} in {@code cleared}. */
    public void deferredClearBit(int bitnr) {
        checkBit(bitnr);
        map[indexOf(bitnr)].setClearedBit(bitOf(bitnr));
    }

    /** {@code atomic_long_andnot(mask, &map[index].word)}: a batch clear that skips the deferred map. */
    void clearWordBits(int index, long mask) {
        map[index].andnotWord(mask);
    }

    /** The word holding {@code bitnr} ({@code SB_NR_TO_INDEX}). */
    int indexOf(int bitnr) {
        return bitnr >> shift;
    }

    /** The bit of {@code bitnr} in its word ({@code SB_NR_TO_BIT}). */
    long bitOf(int bitnr) {
        return 1L << (bitnr & ((1 << shift) - 1));
    }

    /** Refuses a bit number outside the map before anything changes. */
    void checkBit(int bitnr) {
        if (bitnr < 0 || bitnr >= depth) {
            throw new IllegalArgumentException("sbitmap: bit " + bitnr + " outside depth " + depth);
        }
    }

    /** True if {@code bitnr} is allocated: set in {@code word} and not in {@code cleared}. */
    public boolean isAllocated(int bitnr) {
        checkBit(bitnr);
        int i = indexOf(bitnr);
        long bit = bitOf(bitnr);
        return (readWord(i) & bit) != 0 && (map[i].cleared() & bit) == 0;
    }

    /** {@code sbitmap_weight(sb)}: bits allocated (set in {@code word}, not freed into {@code cleared}). */
    public int weight() {
        int n = 0;
        for (int i = 0; i < mapNr; i++) {
            n += Long.bitCount(readWord(i) & ~map[i].cleared());
        }
        return n;
    }

    /** {@code map[index].word}, for checks and tests. */
    public long wordOf(int index) {
        return readWord(index);
    }

    /** {@code map[index].cleared}, for checks and tests. */
    public long clearedOf(int index) {
        return map[index].cleared();
    }

    Kernel kernel() {
        return kernel;
    }

    @Override
    public String toString() {
        return "sbitmap(depth=" + depth + ", shift=" + shift + ", " + variant + ")";
    }
}
