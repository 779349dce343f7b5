package dev.mybrd.lkmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** x86-TSO store buffers: own stores forwarded, others' seen only after a drain, barriers drain in order. */
class StoreBuffersTest {
    private final StoreBuffers mem = new StoreBuffers(2, "x", "y");

    @Test
    void storeBufferingBothMissWithoutBarriers() {
        mem.store(0, "x", 1);
        mem.store(1, "y", 1);
        assertThat(mem.load(0, "x")).as("own store forwarded").isEqualTo(1);
        assertThat(mem.load(0, "y")).isZero();
        assertThat(mem.load(1, "x")).isZero();
        mem.drain(0);
        mem.drain(1);
        assertThat(mem.memory("x")).isEqualTo(1);
        assertThat(mem.memory("y")).isEqualTo(1);
    }

    @Test
    void aBarrierOrALockedInstructionPublishesEarlierStoresInOrder() {
        mem.store(0, "x", 1);
        mem.store(0, "x", 2);
        mem.smpMb(0);
        assertThat(mem.load(1, "x")).isEqualTo(2);
        mem.store(1, "y", 5);
        assertThat(mem.lockedAdd(1, "x", 1)).isEqualTo(2);
        assertThat(mem.load(0, "y")).isEqualTo(5);
        assertThat(mem.load(0, "x")).isEqualTo(3);
        assertThat(mem.toString()).isEqualTo("memory{x=3, y=5}");
    }

    @Test
    void unknownLocationsAreRefused() {
        assertThatThrownBy(() -> mem.store(0, "z", 1)).hasMessageContaining("no location z");
        assertThatThrownBy(() -> new StoreBuffers(0, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
