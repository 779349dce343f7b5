package dev.mybrd.block;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;
import dev.mybrd.kernel.Kernel;
import java.util.function.IntSupplier;

/**
 * Request-queue ids: {@code static DEFINE_IDA(blk_queue_ida)} of {@code block/blk-core.c} (v4.4).
 * {@code blk_alloc_queue_node} takes {@code q->id = ida_simple_get(&blk_queue_ida, 0, 0, gfp)} right
 * after allocating the queue, before the rest of its set-up (bio split set, backing device,
 * {@code q_usage_counter}, blkcg); if a later step fails, its error path gives the id back
 * ({@code fail_id: ida_simple_remove(&blk_queue_ida, q->id)}). {@code blk_release_queue}, run when
 * the last reference to the queue goes, gives it back too. The id names the queue's sysfs and debug
 * entries; ids are reused lowest-first, so at quiescence the ids held are exactly those of live
 * queues (spec 3.12, D3), which a leak on the error path breaks
 * ({@link IdaBug#QUEUE_ID_LEAK_ON_ERROR}).
 *
 * <p>Only the id's life cycle is modelled; {@code RequestQueue} does not carry it yet.
 */
public final class BlkQueueIds {
    private final Ida blkQueueIda;
    private final boolean leakOnError;

    public BlkQueueIds(Kernel kernel) {
        this(kernel, Ida.Config.defaults());
    }

    /** With {@link IdaBug#QUEUE_ID_LEAK_ON_ERROR} in {@code config} the error path keeps the id. */
    public BlkQueueIds(Kernel kernel, Ida.Config config) {
        this.blkQueueIda = new Ida(kernel, "blk_queue_ida", config);
        this.leakOnError = config.has(IdaBug.QUEUE_ID_LEAK_ON_ERROR);
    }

    /**
     * The id steps of {@code blk_alloc_queue_node(gfp, node)}: allocates {@code q->id}, runs
     * {@code restOfSetup} (the later set-up steps, answering 0 or a negative errno), and returns the
     * id, or the errno of whichever step failed after giving the id back. Run as a task.
     */
    public int allocQueueId(int gfp, IntSupplier restOfSetup) {
        if (restOfSetup == null) {
            throw new IllegalArgumentException("restOfSetup must not be null");
        }
        int id = blkQueueIda.simpleGet(0, 0, gfp);
        if (id < 0) {
            return id; // fail_q
        }
        int err = restOfSetup.getAsInt();
        if (err > 0) {
            throw new IllegalArgumentException("restOfSetup must answer 0 or a negative errno, got " + err);
        }
        if (err < 0) {
            if (!leakOnError) {
                blkQueueIda.simpleRemove(id); // fail_id
            }
            return err;
        }
        return id;
    }

    /** {@code blk_release_queue}'s {@code ida_simple_remove(&blk_queue_ida, q->id)}. */
    public int releaseQueueId(int id) {
        return blkQueueIda.simpleRemove(id);
    }

    /** The IDA, for checks. */
    public Ida ida() {
        return blkQueueIda;
    }
}
