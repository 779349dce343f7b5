package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import org.junit.jupiter.api.Test;

/** Later kernels' per-CPU in_flight (KR-19), step by step. */
class PerCpuInFlightTest {
    private final Kernel kernel = new Kernel(2);
    private final PerCpuInFlight inFlight = new PerCpuInFlight(kernel);

    /** An I/O that starts on CPU 0 and, its task migrated, ends on CPU 1. */
    private void ioAcrossCpus() {
        kernel.runOn(0, "io", () -> {
            inFlight.startIoAcct(PerCpuInFlight.WRITE);
            kernel.migrate(1);
            inFlight.endIoAcct(PerCpuInFlight.WRITE);
        });
    }

    @Test
    void copiesCanBeNegativeButTheSumAtRestIsZero() {
        ioAcrossCpus();
        assertThat(inFlight.readCpu(0, PerCpuInFlight.WRITE)).isEqualTo(1);
        assertThat(inFlight.readCpu(1, PerCpuInFlight.WRITE)).isEqualTo(-1);
        assertThat(inFlight.countRaw(PerCpuInFlight.WRITE)).isZero();
        assertThat(inFlight.bdevCountInflight()).isZero();
    }

    @Test
    void aSumThatStraddlesTheIoReadsMinusOneAndTheClampHidesIt() {
        // The reader's loop, unrolled: CPU 0 summed before the I/O, CPU 1 after it.
        int sum = inFlight.readCpu(0, PerCpuInFlight.WRITE);
        ioAcrossCpus();
        sum += inFlight.readCpu(1, PerCpuInFlight.WRITE);
        assertThat(sum).isEqualTo(-1);
        assertThat(sum > 0 ? sum : 0).isZero();
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> inFlight.readCpu(2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inFlight.countRaw(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> kernel.runOn(0, "t", () -> inFlight.startIoAcct(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(inFlight.countRaw(0) + inFlight.countRaw(1)).isZero();
    }
}
