package dev.mybrd.idr;

/**
 * The non-atomic bit operations of {@code include/linux/bitmap.h} and {@code bitops.h} that the IDR
 * and IDA use: {@code find_next_zero_bit}, {@code __set_bit}, {@code __clear_bit}, {@code test_bit},
 * {@code bitmap_full}, {@code bitmap_clear}. Plain reads and writes of whole words, as in C: each
 * {@code __set_bit} is a read-modify-write of one long that a concurrent writer of the same long can
 * undo. The caller's lock is what makes them safe.
 */
final class Bitmaps {
    private Bitmaps() {
    }

    /** {@code find_next_zero_bit(addr, size, offset)}: the first clear bit at or after {@code offset}, or {@code size}. */
    static int findNextZeroBit(long[] addr, int size, int offset) {
        for (int w = offset / Long.SIZE; w * Long.SIZE < size; w++) {
            long word = ~addr[w];
            if (w == offset / Long.SIZE) {
                word &= -1L << (offset % Long.SIZE);
            }
            if (word != 0) {
                int bit = w * Long.SIZE + Long.numberOfTrailingZeros(word);
                return Math.min(bit, size);
            }
        }
        return size;
    }

    /** {@code __set_bit(nr, addr)}. */
    static void setBit(long[] addr, int nr) {
        addr[nr / Long.SIZE] |= 1L << (nr % Long.SIZE);
    }

    /** {@code __clear_bit(nr, addr)}. */
    static void clearBit(long[] addr, int nr) {
        addr[nr / Long.SIZE] &= ~(1L << (nr % Long.SIZE));
    }

    /** {@code test_bit(nr, addr)}. */
    static boolean testBit(long[] addr, int nr) {
        return (addr[nr / Long.SIZE] & (1L << (nr % Long.SIZE))) != 0;
    }

    /** {@code bitmap_full(addr, size)}. */
    static boolean full(long[] addr, int size) {
        return findNextZeroBit(addr, size, 0) == size;
    }

    /** {@code bitmap_clear(addr, 0, size)} / {@code memset(0)}. */
    static void clear(long[] addr) {
        for (int w = 0; w < addr.length; w++) {
            addr[w] = 0;
        }
    }

    /** {@code bitmap_weight(addr, size)}: the number of set bits below {@code size}. */
    static int weight(long[] addr, int size) {
        int n = 0;
        for (int w = 0; w * Long.SIZE < size; w++) {
            long word = addr[w];
            int rest = size - w * Long.SIZE;
            if (rest < Long.SIZE) {
                word &= (1L << rest) - 1;
            }
            n += Long.bitCount(word);
        }
        return n;
    }
}
