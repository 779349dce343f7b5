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

    /**
     * Lets model time pass on {@code cpu} while a job waits for its bios (called outside any task):
     * work deferred to kblockd runs and the CPU's timers see a jiffy go by, so requeues, completion
     * timers and request timeouts make progress. Devices that end every bio inline need nothing.
     */
    default void idle(int cpu) {
    }

    /** Requests the driver requeued ({@code blk_requeue_request}), or empty where there are none. */
    default OptionalLong requeued() {
        return OptionalLong.empty();
    }

    /** Requests the block layer's timeout handler ended, or empty where there is no timeout. */
    default OptionalLong timedOut() {
        return OptionalLong.empty();
    }

    /** What the device is, for reports: {@code mybrd queue_mode=bio irqmode=none}. */
    String describe();

    /**
     * mybrd as a target. Bio-mode ends every bio inline and has neither requeues nor request timeouts,
     * so both counters are empty there; request-mode reports the driver's requeues and the requests
     * the block layer's timeout ended.
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
            public void idle(int cpu) {
                brd.idle(cpu);
            }

            @Override
            public OptionalLong requeued() {
                return brd.requeues();
            }

            @Override
            public OptionalLong timedOut() {
                return brd.timeouts();
            }

            @Override
            public String describe() {
                MyBrd.Config c = brd.config();
                return "mybrd queue_mode=" + c.queueMode().label() + " irqmode=" + c.irqMode().label()
                        + (c.injection().any() ? " inject=" + c.injection() : "")
                        + (c.bugs().isEmpty() ? "" : " bugs=" + c.bugs());
            }
        };
    }
}
