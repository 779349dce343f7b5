package dev.mybrd.lincheck.mq;

import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;

/** Variants of the mq disk for the per-sector checks. */
public final class MqDisks {
    private MqDisks() {
    }

    /** Two hardware queues: CPUs 0, 1 on hctx0 and CPUs 2, 3 on hctx1 (v4.4's map for 4 CPUs). */
    public static class TwoQueues extends PerSectorMqDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withSubmitQueues(2);
        }
    }

    /** Two hardware queues, {@code irqmode=softirq}: completion on the submitting CPU through an IPI. */
    public static class TwoQueuesSoftirq extends TwoQueues {
        @Override
        protected MyBrd.Config config() {
            return super.config().withIrqMode(IrqMode.SOFTIRQ);
        }
    }

    /** One hardware queue, every request answered BUSY once: each is re-run from {@code hctx->dispatch}. */
    public static class Busy extends PerSectorMqDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withInjection(Injection.parse("busy=1"));
        }
    }

    /** {@link Bug#BUSY_LEFTOVERS_DROPPED}: the BUSY request is forgotten and its bio never ends. */
    public static class SeededBusyLeftoversDropped extends Busy {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.BUSY_LEFTOVERS_DROPPED);
        }
    }
}
