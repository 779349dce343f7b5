package dev.mybrd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.locking.SpinLock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernel.raiseIrq: delivered at once with IRQs on, held until they come back on otherwise. */
class RaiseIrqTest {
    private final Kernel kernel = new Kernel(1);

    @Test
    void deliveredAtOnceWhenIrqsAreOn() {
        List<String> log = new ArrayList<>();
        kernel.runOn(0, "t", () -> {
            kernel.raiseIrq("disk", () -> log.add("irq in " + kernel.thisCpu().context()));
            log.add("after");
        });
        assertThat(log).containsExactly("irq in HARDIRQ", "after");
    }

    @Test
    void heldWhileIrqsAreOffAndTakenAtSpinUnlockIrqrestore() {
        SpinLock lock = new SpinLock(kernel, "q.lock");
        List<String> log = new ArrayList<>();
        kernel.runOn(0, "t", () -> {
            boolean flags = lock.lockIrqsave();
            kernel.raiseIrq("disk", () -> log.add("irq, lock held: " + lock.isLocked()));
            log.add("still under the lock");
            lock.unlockIrqrestore(flags);
            log.add("after unlock");
            kernel.localIrqDisable();
            kernel.raiseIrq("disk", () -> log.add("second irq"));
            log.add("irqs off");
            kernel.localIrqEnable();
        });
        assertThat(log).containsExactly("still under the lock", "irq, lock held: false", "after unlock",
                "irqs off", "second irq");
    }

    @Test
    void aNestedRestoreWithIrqsStillOffKeepsItPending() {
        List<String> log = new ArrayList<>();
        kernel.runOn(0, "t", () -> {
            boolean outer = kernel.localIrqSave();
            boolean inner = kernel.localIrqSave();
            kernel.raiseIrq("disk", () -> log.add("irq"));
            kernel.localIrqRestore(inner); // IRQs stay off
            log.add("inner restored");
            kernel.localIrqRestore(outer);
        });
        assertThat(log).containsExactly("inner restored", "irq");
    }
}
