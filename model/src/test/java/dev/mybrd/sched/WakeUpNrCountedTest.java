package dev.mybrd.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** wake_up_nr with v6.2's return value: the number of exclusive waiters it woke. */
class WakeUpNrCountedTest {
    private final Kernel kernel = new Kernel(1);

    private WaitQueueEntry exclusive(WaitQueueHead wq, AtomicInteger woken) {
        WaitQueueEntry e = WaitQueueEntry.initWaitqueueFuncEntry((k, w, mode) -> {
            wq.removeWaitQueueLocked(w);
            woken.incrementAndGet();
            return true;
        });
        wq.addWaitQueueExclusive(e);
        return e;
    }

    @Test
    void countsTheExclusiveWaitersItWoke() {
        WaitQueueHead wq = new WaitQueueHead(kernel, "wq");
        AtomicInteger woken = new AtomicInteger();
        kernel.runOn(0, "t", () -> {
            for (int i = 0; i < 3; i++) {
                exclusive(wq, woken);
            }
            assertThat(wq.wakeUpNrCounted(2)).isEqualTo(2);
            assertThat(wq.wakeUpNrCounted(2)).isEqualTo(1);
            assertThat(wq.wakeUpNrCounted(2)).isZero();
            exclusive(wq, woken);
            exclusive(wq, woken);
            assertThat(wq.wakeUpNrCounted(0)).isEqualTo(2); // 0: all of them
            assertThatThrownBy(() -> wq.wakeUpNrCounted(-1)).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(woken.get()).isEqualTo(5);
    }
}
