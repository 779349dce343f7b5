package dev.mybrd.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sleeping mutex: one owner, sleepers woken on unlock, misuse refused. */
class MutexTest {
    private final Kernel kernel = new Kernel(3);
    private final Mutex mutex = new Mutex(kernel, "m");

    @Test
    void twoTasksNeverHoldItTogether() throws Exception {
        int[] inside = {0};
        int[] max = {0};
        int[] total = {0};
        List<Thread> ts = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            ts.add(kernel.kthreadRun(cpu, "t" + cpu, () -> {
                for (int i = 0; i < 2000; i++) {
                    mutex.lock();
                    inside[0]++;
                    max[0] = Math.max(max[0], inside[0]);
                    total[0]++;
                    inside[0]--;
                    mutex.unlock();
                }
            }));
        }
        for (Thread t : ts) {
            t.join(20_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(max[0]).isOne();
        assertThat(total[0]).isEqualTo(4000);
        assertThat(kernel.oopses()).isEmpty();
    }

    @Test
    void misuseIsRefused() {
        kernel.runOn(0, "owner", mutex::lock);
        assertThatThrownBy(() -> kernel.runOn(1, "other", mutex::unlock)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("mutex_unlock(m) by").hasMessageContaining("but the owner is");
        assertThat(mutex.isLocked()).isTrue();
        assertThatThrownBy(() -> kernel.runOn(2, "atomic", () -> {
            SpinLock s = new SpinLock(kernel, "s");
            s.lock();
            try {
                mutex.lock();
            } finally {
                s.unlock();
            }
        })).isInstanceOf(AtomicSleepBug.class);
    }
}
