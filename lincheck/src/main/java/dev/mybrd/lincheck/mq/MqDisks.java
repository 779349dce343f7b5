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

    /**
     * {@link Bug#MQ_COMPLETE_WITHOUT_TRANSFER} on the one-queue disk: {@code queue_rq} reports each
     * request done with success and moves nothing (3ba077f's order in mq-mode).
     */
    public static class SeededCompleteWithoutTransfer extends PerSectorMqDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.MQ_COMPLETE_WITHOUT_TRANSFER);
        }
    }

    /**
     * {@link Bug#MQ_COMPLETE_WITHOUT_TRANSFER} with two hardware queues in {@code irqmode=softirq}:
     * {@code blk_mq_complete_request} at once, and the done function (mybrd's
     * {@code mybrd_softirq_done_fn}, by IPI on the submitting CPU) only ends the request, as on master.
     */
    public static class SeededTwoQueuesSoftirqCompleteWithoutTransfer extends TwoQueuesSoftirq {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.MQ_COMPLETE_WITHOUT_TRANSFER);
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
