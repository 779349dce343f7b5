package dev.mybrd.sbitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The bitmap alone: first-fit allocation, deferred clearing and its move back, bad input. */
class SbitmapTest {
    private final Kernel kernel = new Kernel(2);

    @Test
    void shiftSpreadsSmallMapsOverFourWords() {
        assertThat(Sbitmap.calculateShift(2)).isEqualTo(6);
        assertThat(Sbitmap.calculateShift(16)).isEqualTo(2);
        assertThat(Sbitmap.calculateShift(64)).isEqualTo(4);
        assertThat(Sbitmap.calculateShift(1024)).isEqualTo(6);
    }

    @ParameterizedTest
    @EnumSource(Sbitmap.DeferredClear.class)
    void everyBitOnceThenNone(Sbitmap.DeferredClear v) {
        Sbitmap sb = new Sbitmap(kernel, 10, 2, v);
        Set<Integer> got = new HashSet<>();
        kernel.runOn(0, "t", () -> {
            for (int i = 0; i < 10; i++) {
                got.add(sb.get());
            }
            assertThat(sb.get()).isEqualTo(-1);
        });
        assertThat(got).hasSize(10).allMatch(b -> b >= 0 && b < 10);
        assertThat(sb.weight()).isEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(Sbitmap.DeferredClear.class)
    void aFreedBitWaitsInClearedUntilAFullWordMovesIt(Sbitmap.DeferredClear v) {
        Sbitmap sb = new Sbitmap(kernel, 4, 2, v);
        kernel.runOn(0, "t", () -> {
            for (int i = 0; i < 4; i++) {
                sb.get();
            }
            sb.deferredClearBit(2);
            assertThat(sb.wordOf(0)).isEqualTo(0b1111);
            assertThat(sb.clearedOf(0)).isEqualTo(0b0100);
            assertThat(sb.isAllocated(2)).isFalse();
            assertThat(sb.weight()).isEqualTo(3);
            assertThat(sb.get()).isEqualTo(2);
            assertThat(sb.clearedOf(0)).isZero();
            assertThat(sb.wordOf(0)).isEqualTo(0b1111);
        });
    }

    @Test
    void swapLockVariantRetriesWhenTheWordHasAFreeBitAndNothingToMove() {
        Sbitmap sb = new Sbitmap(kernel, 4, 2, Sbitmap.DeferredClear.SWAP_LOCK);
        kernel.runOn(0, "t", () -> {
            sb.get();
            assertThat(sb.deferredClear(0, 4, 0, true)).isTrue();  // bits 1..3 free
            sb.get();
            sb.get();
            sb.get();
            assertThat(sb.deferredClear(0, 4, 0, true)).isFalse(); // full, nothing to move
        });
        Sbitmap lockless = new Sbitmap(kernel, 4, 2, Sbitmap.DeferredClear.LOCKLESS);
        kernel.runOn(0, "t", () -> assertThat(lockless.deferredClear(0, 4, 0, true)).isFalse());
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        assertThatThrownBy(() -> new Sbitmap(kernel, 8, 7, Sbitmap.DeferredClear.LOCKLESS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sbitmap(kernel, 0, 2, Sbitmap.DeferredClear.LOCKLESS))
                .isInstanceOf(IllegalArgumentException.class);
        Sbitmap sb = new Sbitmap(kernel, 4, 2, Sbitmap.DeferredClear.LOCKLESS);
        kernel.runOn(0, "t", () -> {
            sb.get();
            assertThatThrownBy(() -> sb.deferredClearBit(4)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> sb.deferredClearBit(-1)).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(sb.weight()).isEqualTo(1);
        assertThat(sb.clearedOf(0)).isZero();
    }
}
