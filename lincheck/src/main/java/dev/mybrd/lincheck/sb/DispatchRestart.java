package dev.mybrd.lincheck.sb;

import dev.mybrd.lkmm.StoreBuffers;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-11 reduced to the accesses that race, on explicit x86-TSO store buffers: a dispatcher that puts
 * requests it could not issue back on {@code hctx->dispatch} against a completion that restarts the
 * queue ({@code blk_mq_sched_restart}). {@code BLK_MQ_S_SCHED_RESTART} is set at first.
 *
 * <p>{@link #dispatch} on CPU 1: adds to {@code hctx->dispatch} (under {@code hctx->lock}), then reads
 * SCHED_RESTART; if it is set, the restarter will run the queue, so the dispatcher does not; if it is
 * clear, it runs the queue itself. {@link #restart} on CPU 0: clears SCHED_RESTART, then runs the
 * queue, which does something only if {@code hctx->dispatch} is not empty. Before d7d8535f377e neither
 * side had a barrier between its store and its load: store buffering lets both miss, and
 * {@link #nothingStranded} fails: the requests stay on the dispatch list with nobody to run the
 * queue. With the paired {@code smp_mb()} one side always sees the other.
 */
public abstract class DispatchRestart {
    private final StoreBuffers mem = new StoreBuffers(2, "hctx->state.SCHED_RESTART", "hctx->dispatch");
    private static final String SCHED_RESTART = "hctx->state.SCHED_RESTART";
    private static final String DISPATCH = "hctx->dispatch";
    private volatile boolean dispatcherRuns;
    private volatile boolean restarterFound;

    protected DispatchRestart() {
        mem.init(SCHED_RESTART, 1);
    }

    protected abstract boolean pairedBarriers();

    /** {@code blk_mq_dispatch_rq_list} putting leftovers back, on CPU 1. */
    @Operation
    public void dispatch() {
        mem.lockedAdd(1, DISPATCH, 0); // spin_lock(&hctx->lock)
        mem.store(1, DISPATCH, 1);     // list_splice_tail_init(list, &hctx->dispatch)
        if (pairedBarriers()) {
            mem.smpMb(1);
        }
        dispatcherRuns = mem.load(1, SCHED_RESTART) == 0; // !test_bit(BLK_MQ_S_SCHED_RESTART): run it myself
        mem.drain(1);
    }

    /** {@code blk_mq_sched_restart} on CPU 0. */
    @Operation
    public void restart() {
        mem.store(0, SCHED_RESTART, 0);       // clear_bit(BLK_MQ_S_SCHED_RESTART) in v5.x: plain on this path
        if (pairedBarriers()) {
            mem.smpMb(0);
        }
        restarterFound = mem.load(0, DISPATCH) != 0; // the run sees !list_empty_careful(&hctx->dispatch)
        mem.drain(0);
    }

    @Validate
    public void nothingStranded() {
        if (!dispatcherRuns && !restarterFound) {
            throw new IllegalStateException("IO hang: requests stranded on hctx->dispatch: the dispatcher read"
                    + " SCHED_RESTART still set and the restart saw an empty dispatch list; " + mem);
        }
    }

    /** Before d7d8535f377e. */
    public static class NoBarriers extends DispatchRestart {
        @Override
        protected boolean pairedBarriers() {
            return false;
        }
    }

    /** d7d8535f377e: {@code smp_mb()} on both sides. */
    public static class PairedBarriers extends DispatchRestart {
        @Override
        protected boolean pairedBarriers() {
            return true;
        }
    }
}
