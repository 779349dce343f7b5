package dev.mybrd.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Context;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The model clock and timer bases that delayed work stands on. */
class TimersTest {
    private final Kernel kernel = new Kernel(2);
    private final Timers timers = new Timers(kernel);
    private final List<String> ran = new CopyOnWriteArrayList<>();

    private TimerList timer(String name, int flags) {
        return new TimerList(name, () -> ran.add(name + ":" + kernel.thisCpu().context()
                + (kernel.thisCpu().irqsDisabled() ? ":irqs-off" : ":irqs-on")), flags);
    }

    @Test
    void dueTimersRunInTheTimerSoftirqOfTheirCpuInTheOrderTheyWereAdded() {
        TimerList safe = timer("safe", TimerList.TIMER_IRQSAFE);
        TimerList plain = timer("plain", 0);
        TimerList other = timer("other", 0);
        kernel.runOn(0, "arm", () -> {
            safe.expires = 2;
            timers.addTimer(safe);
            plain.expires = 2;
            timers.addTimer(plain);
            other.expires = 1;
            timers.addTimerOn(other, 1);
        });
        kernel.runOn(0, "tick", () -> timers.tick(1));
        assertThat(ran).isEmpty();
        kernel.runOn(0, "tick", () -> timers.tick(1));
        assertThat(ran).containsExactly("safe:" + Context.SOFTIRQ + ":irqs-off", "plain:" + Context.SOFTIRQ + ":irqs-on");
        kernel.runOn(1, "tick", () -> timers.tick(0));
        assertThat(ran).hasSize(3).last().isEqualTo("other:" + Context.SOFTIRQ + ":irqs-on");
        assertThat(timers.jiffies()).isEqualTo(2);
    }

    @Test
    void delTimerDisarmsAPendingTimerOnly() {
        TimerList t = timer("t", 0);
        kernel.runOn(0, "arm", () -> {
            t.expires = 5;
            timers.addTimer(t);
            assertThatThrownBy(() -> timers.addTimer(t)).isInstanceOf(KernelBug.class);
            assertThat(timers.delTimer(t)).isTrue();
            assertThat(timers.delTimer(t)).isFalse();
            timers.tick(10);
        });
        assertThat(ran).isEmpty();
        assertThatThrownBy(() -> kernel.runOn(0, "tick", () -> timers.tick(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TimerList("x", () -> { }, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
