package dev.mybrd.lib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Kernel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** percpu_ref: live until killed, zero only in atomic mode, release once, and the kernel's WARNs. */
class PercpuRefTest {
    private final Kernel kernel = new Kernel(2);
    private final AtomicInteger released = new AtomicInteger();
    private final PercpuRef ref = new PercpuRef(kernel, "ref", released::incrementAndGet);

    @Test
    void killDrainsToZeroAndReleasesOnceThenReinitMakesItLiveAgain() {
        assertThat(ref.tryGetLive()).isTrue();
        assertThat(ref.isZero()).isFalse();
        ref.kill();
        assertThat(ref.tryGetLive()).isFalse();
        assertThat(ref.isZero()).isFalse();
        assertThat(released.get()).isZero();
        ref.put();
        assertThat(ref.isZero()).isTrue();
        assertThat(released.get()).isOne();
        ref.reinit();
        assertThat(ref.isDead()).isFalse();
        assertThat(ref.isZero()).isFalse();
        assertThat(ref.count()).isOne();
        assertThat(ref.warnings()).isZero();
    }

    @Test
    void aPerCpuRefIsNeverZeroEvenWithOnlyItsInitialReference() {
        assertThat(ref.count()).isOne();
        assertThat(ref.isZero()).isFalse();
    }

    @Test
    void aSecondKillWarnsAndDropsTheInitialReferenceAgainAsV44Does() {
        ref.kill();
        ref.kill();
        assertThat(ref.warnings()).isOne();
        assertThat(ref.count()).isEqualTo(-1);
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("percpu_ref_kill_and_confirm called more than once"));
        ref.reinit();
        assertThat(ref.warnings()).isEqualTo(2);
    }
}
