package dev.mybrd.lincheck.workqueue;

import dev.mybrd.workqueue.WqBug;
import dev.mybrd.workqueue.Workqueues;

/**
 * The work-queue checks run against seeded bugs: the same operations and invariants, a machine with
 * one {@link WqBug} switched on. Each must make its check fail.
 */
public final class SeededWorkQueues {
    private SeededWorkQueues() {
    }

    /** {@link WqBug#CLEAR_PENDING_AFTER_FUNC} under the protocol check. */
    public static class ClearPendingAfterFunc extends WorkQueueProtocol {
        @Override
        protected Workqueues.Config config() {
            return super.config().withBug(WqBug.CLEAR_PENDING_AFTER_FUNC);
        }
    }

    /** {@link WqBug#REENTRANT_QUEUE} under the protocol check. */
    public static class ReentrantQueue extends WorkQueueProtocol {
        @Override
        protected Workqueues.Config config() {
            return super.config().withBug(WqBug.REENTRANT_QUEUE);
        }
    }

    /** {@link WqBug#NONATOMIC_TEST_AND_SET} under the coalescing check. */
    public static class NonAtomicTestAndSet extends QueueCoalescing {
        @Override
        protected Workqueues.Config config() {
            return super.config().withBug(WqBug.NONATOMIC_TEST_AND_SET);
        }
    }
}
