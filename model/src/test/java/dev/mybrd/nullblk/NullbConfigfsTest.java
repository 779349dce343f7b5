package dev.mybrd.nullblk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Kernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The power switch and rmdir, one after the other: exactly one delete, bad values refused. */
class NullbConfigfsTest {
    private final Kernel kernel = new Kernel(2);

    @ParameterizedTest
    @EnumSource(NullbConfigfs.Variant.class)
    void powerOnOffAndRmdirDeleteOnce(NullbConfigfs.Variant v) {
        NullbConfigfs dev = new NullbConfigfs(kernel, v);
        kernel.runOn(0, "echo", () -> {
            assertThat(dev.powerStore("1")).isEqualTo(1);
            assertThat(dev.up()).isTrue();
            assertThat(dev.powerStore("2")).isEqualTo(-22);
            assertThat(dev.up()).isTrue();
            assertThat(dev.powerStore("0")).isEqualTo(1);
            dev.dropItem();
        });
        assertThat(dev.up()).isFalse();
        assertThat(dev.deletes()).isOne();
        NullbConfigfs other = new NullbConfigfs(kernel, v);
        kernel.runOn(0, "echo", () -> {
            other.powerStore("1");
            other.dropItem();
            other.powerStore("0");
        });
        assertThat(other.deletes()).isOne();
    }
}
