package dev.mybrd.radix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import org.junit.jupiter.api.Test;

/** {@code radix_tree_delete}: removes one item, leaves the others, and answers null when absent. */
class RadixTreeDeleteTest {
    private final Kernel kernel = new Kernel(1);
    private final RadixTree<String> tree = new RadixTree<>(kernel);

    @Test
    void deleteRemovesOnlyThatItem() {
        kernel.runOn(0, "t", () -> {
            tree.insert(3, "three");
            tree.insert(70_000, "far");
            assertThat(tree.delete(3)).isEqualTo("three");
            assertThat(tree.lookup(3)).isNull();
            assertThat(tree.lookup(70_000)).isEqualTo("far");
            assertThat(tree.delete(3)).isNull();
            assertThat(tree.insert(3, "again")).isZero();
            assertThat(tree.lookup(3)).isEqualTo("again");
        });
    }

    @Test
    void deleteOfAnAbsentIndexChangesNothing() {
        assertThat(tree.delete(5)).isNull();
        assertThat(tree.delete(1L << 40)).isNull();
        assertThatThrownBy(() -> tree.delete(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
