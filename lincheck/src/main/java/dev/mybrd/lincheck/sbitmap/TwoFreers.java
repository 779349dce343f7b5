package dev.mybrd.lincheck.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sbitmap.Sbitmap;
import dev.mybrd.sbitmap.SbitmapQueue;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * Two tags, two waiters, two frees (KR-04's shape, and the invariant KR-07's design keeps): an
 * {@link SbitmapQueue} of depth 2 ({@code wake_batch} 1) with both tags in use and two tasks asleep
 * for a tag, one on {@code ws[0]} and one on {@code ws[1]}, as two waiters of one hardware queue are
 * placed round-robin. Two completions on two CPUs each free a tag ({@code sbitmap_queue_clear}).
 *
 * <p>Property (the batch invariant): every {@code wake_batch} frees wake a waiter while one is queued,
 * so after both frees both waiters are woken. {@link #woken} after the parallel part must be
 * {@code min(2, frees)} ({@link TwoFreersSpec}); a run where a wake-up went to an empty queue and a
 * queue was skipped leaves one waiter asleep with a free tag, and the results table shows 1.
 */
public abstract class TwoFreers {
    private final Kernel kernel = new Kernel(2);
    private final SbitmapQueue sbq = new SbitmapQueue(kernel, 2, Sbitmap.DeferredClear.LOCKLESS, variant());
    private final RecordingWaiter[] waiters = new RecordingWaiter[2];

    protected TwoFreers() {
        kernel.runOn(0, "setup", () -> {
            sbq.get();
            sbq.get();
            waiters[0] = RecordingWaiter.queue(sbq, sbq.ws(0), "waiter0");
            waiters[1] = RecordingWaiter.queue(sbq, sbq.ws(1), "waiter1");
        });
    }

    protected abstract SbitmapQueue.WakeUp variant();

    /** A completion on CPU {@code cpu} frees tag {@code cpu}. */
    @Operation
    public int free(int cpu) {
        kernel.runOn(cpu, "complete" + cpu, () -> sbq.clear(cpu));
        return 0;
    }

    /** How many of the two waiters were woken. */
    @Operation
    public int woken() {
        return (waiters[0].woken() ? 1 : 0) + (waiters[1].woken() ? 1 : 0);
    }

    /** Up to v5.19: reset by cmpxchg, advance the index, then wake (before 040b83fcecfb). */
    public static class CmpxchgReset extends TwoFreers {
        @Override
        protected SbitmapQueue.WakeUp variant() {
            return SbitmapQueue.WakeUp.CMPXCHG_RESET;
        }
    }

    /** 040b83fcecfb: wake, then advance the index, then reset. */
    public static class WakeFirst extends TwoFreers {
        @Override
        protected SbitmapQueue.WakeUp variant() {
            return SbitmapQueue.WakeUp.WAKE_FIRST;
        }
    }

    /** 4f8126bb2308 with its v6.2 follow-ups: completion_cnt / wakeup_cnt. */
    public static class Counters extends TwoFreers {
        @Override
        protected SbitmapQueue.WakeUp variant() {
            return SbitmapQueue.WakeUp.COUNTERS;
        }
    }
}
