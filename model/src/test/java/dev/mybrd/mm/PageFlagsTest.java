package dev.mybrd.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.KernelBug;
import org.junit.jupiter.api.Test;

class PageFlagsTest {
    private final PageFlags flags = new PageFlags();

    @Test
    void atomicOpsSetClearAndReportTheOldBit() {
        flags.setBit(3);
        assertThat(flags.word()).isEqualTo(0b1000);
        assertThat(flags.testAndSetBit(3)).isTrue();
        assertThat(flags.testAndSetBit(0)).isFalse();
        assertThat(flags.word()).isEqualTo(0b1001);
        assertThat(flags.testAndClearBit(3)).isTrue();
        assertThat(flags.testAndClearBit(3)).isFalse();
        flags.clearBit(0);
        assertThat(flags.word()).isZero();
        flags.setBit(63);
        assertThat(flags.testBit(63)).isTrue();
        assertThat(flags.word()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void doubleUnderscoreFormsDoTheSameAlone() {
        flags.__setBit(5);
        flags.__setBit(4);
        flags.__clearBit(5);
        assertThat(flags.word()).isEqualTo(1L << 4);
        flags.__clearBitUnlock(4);
        assertThat(flags.word()).isZero();
    }

    @Test
    void generatedAccessorsUseTheFlagNumbers() {
        assertThat(PageFlag.PG_LOCKED.nr()).isZero();
        assertThat(PageFlag.PG_DIRTY.nr()).isEqualTo(4);
        assertThat(PageFlag.PG_LRU.nr()).isEqualTo(5);
        assertThat(PageFlag.PG_WRITEBACK.nr()).isEqualTo(13);
        flags.set(PageFlag.PG_LRU);
        assertThat(flags.test(PageFlag.PG_LRU)).isTrue();
        flags.__clear(PageFlag.PG_LRU);
        flags.__set(PageFlag.PG_UPTODATE);
        assertThat(flags.testSet(PageFlag.PG_DIRTY)).isFalse();
        assertThat(flags.testClear(PageFlag.PG_DIRTY)).isTrue();
        flags.clear(PageFlag.PG_UPTODATE);
        assertThat(flags.word()).isZero();
    }

    @Test
    void thePageLockIsABitLock() {
        assertThat(flags.trylockPage()).isTrue();
        assertThat(flags.trylockPage()).isFalse();
        assertThat(flags.test(PageFlag.PG_LOCKED)).isTrue();
        flags.unlockPage();
        assertThat(flags.test(PageFlag.PG_LOCKED)).isFalse();
        assertThatThrownBy(flags::unlockPage).isInstanceOf(KernelBug.class).hasMessageContaining("not locked");
        assertThat(flags.testAndSetBitLock(0)).isFalse();
        flags.clearBitUnlock(0);
        assertThat(flags.word()).isZero();
    }

    @Test
    void bitNumbersOutsideTheWordAreRefusedWithoutChange() {
        flags.setBit(1);
        assertThatThrownBy(() -> flags.setBit(64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("64");
        assertThatThrownBy(() -> flags.__clearBit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> flags.testAndSetBit(100)).isInstanceOf(IllegalArgumentException.class);
        assertThat(flags.word()).isEqualTo(2);
    }

    @Test
    void concurrentAtomicSetsOfDifferentBitsAllLand() throws Exception {
        for (int round = 0; round < 200; round++) {
            PageFlags f = new PageFlags();
            Thread[] ts = new Thread[4];
            for (int i = 0; i < ts.length; i++) {
                int base = i * 16;
                ts[i] = new Thread(() -> {
                    for (int b = base; b < base + 16; b++) {
                        f.setBit(b);
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(f.word()).isEqualTo(-1L);
        }
    }
}
