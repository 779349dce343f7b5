package dev.mybrd.mqrq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The grace-period guarantee the generation scheme relies on, with real threads and no timing. */
class HctxRcuTest {
    @Test
    void synchronizeRcuWaitsForAReaderThatWasInside() throws Exception {
        HctxRcu rcu = new HctxRcu(2);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicBoolean readerLeft = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            rcu.readLock(1);
            inside.countDown();
            try {
                leave.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            readerLeft.set(true);
            rcu.readUnlock(1);
        });
        reader.start();
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean sawReaderLeft = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread updater = new Thread(() -> {
            rcu.synchronizeRcu(0);
            sawReaderLeft.set(readerLeft.get());
            done.countDown();
        });
        updater.start();
        assertThat(done.await(50, TimeUnit.MILLISECONDS)).as("returned while CPU 1 was inside").isFalse();
        leave.countDown();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(sawReaderLeft).isTrue();
        reader.join(10_000);
        updater.join(10_000);
    }
}
