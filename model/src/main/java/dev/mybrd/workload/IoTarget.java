package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import java.util.OptionalLong;

/**
 * The block device an {@link IoWorkload} drives: where bios go, on which machine, and what the
 * driver counts itself. The workload depends only on this, so any queue mode of mybrd (and, in
 * tests, a deliberately broken device) plugs in unchanged.
 *
 * <p>{@link #submit} is called inside {@link Kernel#runOn} on the job's CPU, as {@code submit_bio}
 * from a task. The bio's {@code bi_end_io} may run before it returns (bio-mode, irqmode none) or
 * later on another thread (softirq, timer).
 */
public interface IoTarget {
    /** The simulated machine the device lives on. */
    Kernel kernel();

    /** {@code get_capacity(disk)}, in 512-byte sectors. */
    long capacitySectors();

    /** {@code queue_logical_block_size(q)}. */
    int logicalBlockSize();

    /** {@code submit_bio(bio)}. */
    void submit(Bio bio);

    /**
     * Whether every bio has ended by the time {@link #submit} returns (bio-mode). Then a bio that has
     * not ended when submission returns or throws is lost at once, not after the bio timeout.
     */
    boolean completesInline();

    /** Requests the driver requeued ({@code blk_requeue_request}), or empty where there are none. */
    default OptionalLong requeued() {
        return OptionalLong.empty();
    }

    /** Requests the block layer's timeout handler ended, or empty where there is no timeout. */
    default OptionalLong timedOut() {
        return OptionalLong.empty();
    }

    /**
     * A job with nothing to do but wait for completions gives the machine's background a turn on
     * its CPU {@code cpu}: what kworkers and timers would do meanwhile on a real machine (blk-mq's
     * kblockd work, the driver's work item, the completion timer, the request timeout). Called
     * outside any task. Nothing by default.
     */
    default void idle(int cpu) {
    }

    /** What the device is, for reports: {@code mybrd queue_mode=bio irqmode=none}. */
    String describe();

    /**
     * mybrd as a target. Bio-mode ends every bio inline and has neither requeues nor request timeouts,
     * so both counters are empty there; request-mode and mq-mode report the requeues and the requests the
     * block layer's timeout ended, and let waiting jobs run the model's background work (kblockd, timers).
     */
    static IoTarget of(MyBrd brd) {
        return new IoTarget() {
            @Override
            public Kernel kernel() {
                return brd.kernel();
            }

            @Override
            public long capacitySectors() {
                return brd.disk().capacity();
            }

            @Override
            public int logicalBlockSize() {
                return brd.config().logicalBlockSize();
            }

            @Override
            public void submit(Bio bio) {
                brd.submitBio(bio);
            }

            @Override
            public boolean completesInline() {
                return brd.config().queueMode() == QueueMode.BIO;
            }

            @Override
            public OptionalLong requeued() {
                return brd.config().queueMode() == QueueMode.MQ ? OptionalLong.of(brd.mqQueue().requeuedCount())
                        : brd.requeues();
            }

            @Override
            public OptionalLong timedOut() {
                return brd.config().queueMode() == QueueMode.MQ ? OptionalLong.of(brd.mqQueue().timedOutCount())
                        : brd.timeouts();
            }

            @Override
            public void idle(int cpu) {
                if (brd.config().queueMode() == QueueMode.MQ) {
                    brd.kernel().runOn(cpu, "kworker/" + cpu, brd::backgroundTurn);
                } else {
                    brd.idle(cpu);
                }
            }

            @Override
            public String describe() {
                MyBrd.Config c = brd.config();
                return "mybrd queue_mode=" + c.queueMode().label() + " irqmode=" + c.irqMode().label()
                        + (c.queueMode() == QueueMode.MQ ? " submit_queues=" + c.submitQueues() + " hw_queue_depth="
                        + c.hwQueueDepth() : "")
                        + (c.injection().any() ? " inject=" + c.injection() : "")
                        + (c.bugs().isEmpty() ? "" : " bugs=" + c.bugs());
            }
        };
    }
}
