package dev.mybrd.lincheck.pageflags;

/** Sequential specification of {@link FlagWord}: a word of bits, one operation at a time. */
public class FlagWordSpec {
    private long word;

    public void setBit(int nr) {
        word |= 1L << nr;
    }

    public void clearBit(int nr) {
        word &= ~(1L << nr);
    }

    public boolean testAndSetBit(int nr) {
        boolean old = testBit(nr);
        setBit(nr);
        return old;
    }

    public boolean testAndClearBit(int nr) {
        boolean old = testBit(nr);
        clearBit(nr);
        return old;
    }

    public boolean testAndSetBitLock(int nr) {
        return testAndSetBit(nr);
    }

    public void clearBitUnlock(int nr) {
        clearBit(nr);
    }

    public boolean testBit(int nr) {
        return (word & 1L << nr) != 0;
    }

    public long word() {
        return word;
    }
}
