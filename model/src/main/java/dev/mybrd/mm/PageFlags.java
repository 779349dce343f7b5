package dev.mybrd.mm;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code page->flags}: one {@code unsigned long} of flag bits, and the bit operations of
 * {@code include/asm-generic/bitops} and {@code arch/x86/include/asm/bitops.h} that the page-flags
 * chapter reads, together with the accessors {@code include/linux/page-flags.h} generates for each
 * flag ({@code PageXxx}, {@code SetPageXxx}, {@code ClearPageXxx}, {@code __SetPageXxx},
 * {@code __ClearPageXxx}, {@code TestSetPageXxx}, {@code TestClearPageXxx}).
 *
 * <p><b>The rule.</b> The flags of a page share one word, so changing one bit is a read-modify-write
 * of all of them. {@code set_bit}/{@code clear_bit} do it atomically (x86: a LOCK-prefixed
 * {@code bts}/{@code btr}), so concurrent updates of different bits never lose one another. The
 * double-underscore forms {@code __set_bit}/{@code __clear_bit} are a plain load and store: cheaper,
 * and correct only when the caller has exclusion against <em>every</em> writer of the word, e.g. a page
 * nobody else can see yet. Holding {@code PG_locked} is not such exclusion: other code changes other
 * flags of a locked page with the atomic forms, and a {@code __clear_bit} that races one of them
 * stores back the old value of its bit, losing it.
 *
 * <p><b>Ordering</b> (the generic contract of {@code Documentation/atomic_ops.txt}; x86 is stronger):
 * {@code set_bit}, {@code clear_bit} are atomic but unordered, modelled as a plain compare-and-set
 * loop; {@code test_and_set_bit}, {@code test_and_clear_bit} return a value and are fully ordered
 * (volatile RMW); {@code test_and_set_bit_lock} has acquire and {@code clear_bit_unlock} release
 * semantics, the pair a bit lock ({@code trylock_page}/{@code unlock_page}) is built from;
 * {@code test_bit} is a {@code READ_ONCE}-like opaque read.
 *
 * <p>Bit numbers outside 0..63 are refused with {@link IllegalArgumentException} and change nothing
 * (the kernel would index past the word).
 */
public final class PageFlags {
    /** {@code BITS_PER_LONG}. */
    public static final int BITS_PER_LONG = 64;
    private static final VarHandle FLAGS;

    static {
        try {
            FLAGS = MethodHandles.lookup().findVarHandle(PageFlags.class, "flags", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private long flags;

    /** A word with all flags clear. */
    public PageFlags() {
    }

    /** A word holding {@code initial}, as a freshly prepared page's flags. */
    public PageFlags(long initial) {
        this.flags = initial;
    }

    /** The whole word ({@code page->flags}), read opaque. */
    public long word() {
        return (long) FLAGS.getOpaque(this);
    }

    // ---- atomic bitops -------------------------------------------------------------------------

    /** {@code set_bit(nr, addr)}: atomic, unordered. */
    public void setBit(int nr) {
        long mask = mask(nr);
        long old;
        do {
            old = (long) FLAGS.getOpaque(this);
        } while (!FLAGS.weakCompareAndSetPlain(this, old, old | mask));
    }

    /** {@code clear_bit(nr, addr)}: atomic, unordered. */
    public void clearBit(int nr) {
        long mask = mask(nr);
        long old;
        do {
            old = (long) FLAGS.getOpaque(this);
        } while (!FLAGS.weakCompareAndSetPlain(this, old, old & ~mask));
    }

    /** {@code test_and_set_bit(nr, addr)}: atomic, fully ordered; returns the old bit. */
    public boolean testAndSetBit(int nr) {
        long mask = mask(nr);
        return ((long) FLAGS.getAndBitwiseOr(this, mask) & mask) != 0;
    }

    /** {@code test_and_clear_bit(nr, addr)}: atomic, fully ordered; returns the old bit. */
    public boolean testAndClearBit(int nr) {
        long mask = mask(nr);
        return ((long) FLAGS.getAndBitwiseAnd(this, ~mask) & mask) != 0;
    }

    /** {@code test_and_set_bit_lock(nr, addr)}: atomic with acquire; true if the bit was already set. */
    public boolean testAndSetBitLock(int nr) {
        long mask = mask(nr);
        return ((long) FLAGS.getAndBitwiseOrAcquire(this, mask) & mask) != 0;
    }

    /** {@code clear_bit_unlock(nr, addr)}: atomic with release. */
    public void clearBitUnlock(int nr) {
        FLAGS.getAndBitwiseAndRelease(this, ~mask(nr));
    }

    /** {@code test_bit(nr, addr)}. */
    public boolean testBit(int nr) {
        return ((long) FLAGS.getOpaque(this) & mask(nr)) != 0;
    }

    // ---- non-atomic bitops: the caller provides exclusion against every writer of the word -------

    /** {@code __set_bit(nr, addr)}: plain load, plain store. */
    public void __setBit(int nr) {
        long mask = mask(nr);
        long old = (long) FLAGS.get(this);
        FLAGS.set(this, old | mask);
    }

    /** {@code __clear_bit(nr, addr)}: plain load, plain store. */
    public void __clearBit(int nr) {
        long mask = mask(nr);
        long old = (long) FLAGS.get(this);
        FLAGS.set(this, old & ~mask);
    }

    /** {@code __clear_bit_unlock(nr, addr)}: a non-atomic clear with release; the holder is the only writer. */
    public void __clearBitUnlock(int nr) {
        long mask = mask(nr);
        long old = (long) FLAGS.get(this);
        FLAGS.setRelease(this, old & ~mask);
    }

    // ---- the accessors page-flags.h generates --------------------------------------------------

    /** {@code PageXxx(page)}: {@code test_bit}. */
    public boolean test(PageFlag f) {
        return testBit(f.nr());
    }

    /** {@code SetPageXxx(page)}: {@code set_bit}. */
    public void set(PageFlag f) {
        setBit(f.nr());
    }

    /** {@code ClearPageXxx(page)}: {@code clear_bit}. */
    public void clear(PageFlag f) {
        clearBit(f.nr());
    }

    /** {@code __SetPageXxx(page)}: {@code __set_bit}; only for a page nobody else can reach. */
    public void __set(PageFlag f) {
        __setBit(f.nr());
    }

    /** {@code __ClearPageXxx(page)}: {@code __clear_bit}; only for a page nobody else can reach. */
    public void __clear(PageFlag f) {
        __clearBit(f.nr());
    }

    /** {@code TestSetPageXxx(page)}: {@code test_and_set_bit}. */
    public boolean testSet(PageFlag f) {
        return testAndSetBit(f.nr());
    }

    /** {@code TestClearPageXxx(page)}: {@code test_and_clear_bit}. */
    public boolean testClear(PageFlag f) {
        return testAndClearBit(f.nr());
    }

    /** {@code trylock_page(page)}: {@code !test_and_set_bit_lock(PG_locked)}. */
    public boolean trylockPage() {
        return !testAndSetBitLock(PageFlag.PG_LOCKED.nr());
    }

    /**
     * {@code unlock_page(page)}: {@code clear_bit_unlock(PG_locked)}; unlocking an unlocked page is
     * {@code VM_BUG_ON_PAGE}. (The kernel then wakes the page's waiters; the model has none here.)
     */
    public void unlockPage() {
        KernelBug.bugOn(!test(PageFlag.PG_LOCKED), () -> "unlock_page() of a page that is not locked: flags=0x"
                + Long.toHexString(word()));
        clearBitUnlock(PageFlag.PG_LOCKED.nr());
    }

    private static long mask(int nr) {
        if (nr < 0 || nr >= BITS_PER_LONG) {
            throw new IllegalArgumentException("bit number " + nr + " is outside page->flags (0.."
                    + (BITS_PER_LONG - 1) + ")");
        }
        return 1L << nr;
    }

    @Override
    public String toString() {
        return "flags=0x" + Long.toHexString(word());
    }
}
