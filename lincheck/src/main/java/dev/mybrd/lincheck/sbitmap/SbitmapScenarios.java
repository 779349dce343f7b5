package dev.mybrd.lincheck.sbitmap;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.sbitmap.Sbitmap;
import dev.mybrd.sbitmap.SbitmapQueue;

/**
 * Deterministic scenarios for the sbitmap races whose trigger is not a preemption between two tasks
 * but a sequence (a batched completion) or an interrupt on the waker's own CPU, which Lincheck's
 * threads cannot produce. Each drives the exact order the bug report describes and returns null when
 * the property held, or what went wrong.
 */
public final class SbitmapScenarios {
    private SbitmapScenarios() {
    }

    /**
     * KR-05: a batched completion ({@code sbitmap_queue_clear_batch}) frees {@code wake_batch} tags
     * at once while one task waits. Depth 16 gives {@code wake_batch} 2; all 16 tags are in use and
     * one task sleeps on {@code ws[0]}. Property: {@code wake_batch} frees wake a waiter.
     */
    public static String batchedCompletion(SbitmapQueue.WakeUp variant) {
        Kernel kernel = new Kernel(1);
        SbitmapQueue sbq = new SbitmapQueue(kernel, 16, Sbitmap.DeferredClear.LOCKLESS, variant);
        return kernel.runOn(0, "nvme-complete", () -> {
            for (int i = 0; i < 16; i++) {
                sbq.get();
            }
            RecordingWaiter waiter = RecordingWaiter.queue(sbq, sbq.ws(0), "waiter");
            sbq.clearBatch(0, 1);
            if (waiter.woken()) {
                return null;
            }
            return "a batched completion freed 2 tags (wake_batch " + sbq.wakeBatch() + ") and woke no one: "
                    + waiter + " with " + (16 - sbq.sbitmap().weight()) + " tags free; " + sbq.describeQueues();
        });
    }

    /**
     * KR-06 and KR-07: a free in process context on CPU 0 takes {@code ws[0]}'s count to 0 and wakes
     * the first of its two waiters; inside that wake-up (wait-queue lock held, IRQs off) the disk
     * raises its completion interrupt, which the CPU takes at {@code spin_unlock_irqrestore}, before
     * the outer waker has advanced {@code wake_index} or reset the count (Hugh Dickins' backtrace:
     * {@code __wake_up_common_lock < _raw_spin_unlock_irqrestore < common_interrupt < ... <
     * blk_done_softirq < ... < sbitmap_queue_clear}). The block softirq on the way out of the
     * interrupt completes the second request and frees the second tag.
     *
     * @param requireAllWoken false: the property is only that both frees return (no lockup, KR-06);
     *        true: also that the two frees woke both waiters (no lost wake-up, KR-07)
     */
    public static String freeInterruptedByIrqFree(SbitmapQueue.WakeUp variant, boolean requireAllWoken) {
        Kernel kernel = new Kernel(1);
        SbitmapQueue sbq = new SbitmapQueue(kernel, 2, Sbitmap.DeferredClear.LOCKLESS, variant);
        kernel.openSoftirq(Softirq.BLOCK, k -> sbq.clear(1)); // blk_done_softirq: the second request ends
        Runnable diskIrq = () -> kernel.raiseIrq("disk", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK));
        return kernel.runOn(0, "kswapd", () -> {
            sbq.get();
            sbq.get();
            RecordingWaiter first = RecordingWaiter.queue(sbq, sbq.ws(0), "waiter0", diskIrq);
            RecordingWaiter second = RecordingWaiter.queue(sbq, sbq.ws(0), "waiter1");
            sbq.clear(0); // the first request ends in process context (dd_bio_merge in the report)
            if (!requireAllWoken || (first.woken() && second.woken())) {
                return null;
            }
            return "two frees (wake_batch " + sbq.wakeBatch() + "), but " + first + ", " + second + "; "
                    + sbq.describeQueues();
        });
    }
}
