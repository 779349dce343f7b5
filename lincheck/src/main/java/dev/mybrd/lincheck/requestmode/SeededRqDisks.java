package dev.mybrd.lincheck.requestmode;

import dev.mybrd.driver.Bug;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;

/** The request-mode disk in softirq mode, and the seeded bugs its checks must catch. */
public final class SeededRqDisks {
    private SeededRqDisks() {
    }

    /** {@code irqmode=softirq}: data moved in {@code request_fn}, the request ended in {@code BLOCK_SOFTIRQ}. */
    public static class Softirq extends PerSectorRqDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withIrqMode(IrqMode.SOFTIRQ);
        }
    }

    /** {@link Bug#DOUBLE_COMPLETION} (mybrd 86b61d1). */
    public static class DoubleCompletion extends Softirq {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.DOUBLE_COMPLETION);
        }
    }

    /** {@link Bug#SOFTIRQ_DONE_NO_TRANSFER} (mybrd master 3ba077f). */
    public static class SoftirqDoneNoTransfer extends Softirq {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.SOFTIRQ_DONE_NO_TRANSFER);
        }
    }
}
