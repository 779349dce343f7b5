package dev.mybrd.mqcopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kcsan.Kcsan;
import dev.mybrd.kernel.Kernel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** mybrd_queue_rq's access to the device and the insert that races with it. */
class MyBrdQueueRqTest {
    private final Kernel kernel = new Kernel(2);
    private final Kcsan kcsan = new Kcsan(kernel);
    private final MyBrdDevice mybrd = new MyBrdDevice(kernel, kcsan, 4);

    @Test
    void insertStoresThePageAndGrowsTheRootOnlyBeyondItsReach() {
        kernel.runOn(1, "dd", () -> {
            assertThat(mybrd.insertPage(8).index()).isEqualTo(1);
            assertThat(mybrd.pagesHeight).isEqualTo(1);
            assertThat(mybrd.insertPage(512).index()).isEqualTo(64);
            assertThat(mybrd.pagesHeight).isEqualTo(2);
            assertThat(mybrd.pagesRnode).isEqualTo(1);
            assertThat(mybrd.insertPage(512)).isSameAs(mybrd.lookup(64));
        });
        assertThat(kcsan.reports()).isEmpty();
    }

    @Test
    void bothVariantsReadTheQueueDepthAndAloneRaceWithNothing() {
        for (MyBrdQueueRq.Variant v : MyBrdQueueRq.Variant.values()) {
            MyBrdQueueRq q = new MyBrdQueueRq(mybrd, v);
            assertThat(kernel.runOn(0, "kworker", q::queueRq)).isEqualTo(MyBrdDevice.HW_QUEUE_DEPTH);
        }
        assertThat(kcsan.reports()).isEmpty();
    }

    @Test
    void theCopyTakenWhileAnotherCpuHoldsMybrdLockHoldsTheLockToo() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch copied = new CountDownLatch(1);
        Thread holder = new Thread(() -> kernel.runOn(1, "dd", () -> {
            mybrd.mybrdLock.lock();
            held.countDown();
            try {
                copied.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            mybrd.mybrdLock.unlock();
        }));
        holder.start();
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        MyBrdQueueRq.PduCopy copy = kernel.runOn(0, "kworker", () -> new MyBrdQueueRq(mybrd,
                MyBrdQueueRq.Variant.COPY_STRUCT).memcpy());
        copied.countDown();
        holder.join(10_000);
        assertThat(copy.mybrdLockHeld()).as("a copy of a held spinlock nobody will release").isTrue();
        assertThat(copy.queueLockHeld()).isFalse();
        assertThat(mybrd.mybrdLock.isLocked()).isFalse();
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> new MyBrdQueueRq(null, MyBrdQueueRq.Variant.USE_POINTER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MyBrdQueueRq(mybrd, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
