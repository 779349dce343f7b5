package dev.mybrd.sbitmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Kernel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** blk_mq_get_tag: a tag at once while one is free; otherwise sleep until a put wakes the task. */
class BlkMqGetTagTest {
    private static final long BOUND_MILLIS = 20_000;
    private final Kernel kernel = new Kernel(2);

    @ParameterizedTest
    @EnumSource(SbitmapQueue.WakeUp.class)
    void aTaskWaitingForATagGetsTheOneAPutFrees(SbitmapQueue.WakeUp v) throws Exception {
        SbitmapQueue sbq = new SbitmapQueue(kernel, 2, Sbitmap.DeferredClear.SWAP_LOCK, v);
        BlkMqGetTag tags = new BlkMqGetTag(kernel, sbq);
        int first = kernel.runOn(0, "io0", tags::getTag);
        int second = kernel.runOn(0, "io0", tags::getTag);
        assertThat(first).isNotEqualTo(second);
        AtomicInteger got = new AtomicInteger(-2);
        Thread waiter = kernel.kthreadRun(1, "io1", () -> got.set(tags.getTag()));
        long deadline = System.nanoTime() + BOUND_MILLIS * 1_000_000;
        while (!sbq.ws(0).waitQueue().waitqueueActive()) {
            assertThat(System.nanoTime() - deadline).as("the waiter never queued").isNegative();
            Thread.yield();
        }
        kernel.runOn(0, "irq", () -> tags.putTag(second));
        waiter.join(BOUND_MILLIS);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(kernel.oopses()).isEmpty();
        assertThat(got.get()).isEqualTo(second);
        assertThat(sbq.wsActive()).isZero();
        assertThat(sbq.sbitmap().weight()).isEqualTo(2);
    }
}
