package dev.mybrd.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import org.junit.jupiter.api.Test;

class RadixTreeTest {
    private final Kernel kernel = new Kernel(1);

    @Test
    void insertLookupAndGrowthKeepEarlierItems() {
        kernel.runOn(0, "t", () -> {
            RadixTree<String> tree = new RadixTree<>(kernel);
            long[] indexes = {0, 1, 63, 64, 4095, 4096, 1L << 30, 5};
            for (long i : indexes) {
                tree.preload(true);
                assertThat(tree.insert(i, "v" + i)).isZero();
                tree.preloadEnd();
            }
            for (long i : indexes) {
                assertThat(tree.lookup(i)).isEqualTo("v" + i);
            }
            assertThat(tree.lookup(2)).isNull();
            assertThat(tree.lookup(1L << 40)).isNull();
            assertThat(tree.insert(64, "again")).isEqualTo(Errno.EEXIST.negative());
            assertThat(tree.lookup(64)).isEqualTo("v64");
            assertThat(tree.replace(64, "new")).isEqualTo("v64");
            assertThat(tree.lookup(64)).isEqualTo("new");
        });
    }

    @Test
    void badArgumentsAreRefused() {
        kernel.runOn(0, "t", () -> {
            RadixTree<String> tree = new RadixTree<>(kernel);
            assertThatThrownBy(() -> tree.insert(-1, "x")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> tree.insert(1, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> tree.lookup(-5)).isInstanceOf(IllegalArgumentException.class);
        });
    }
}
