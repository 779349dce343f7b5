package dev.mybrd.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import org.junit.jupiter.api.Test;

class SpinLockTest {
    private final Kernel kernel = new Kernel(2);
    private final SpinLock lock = new SpinLock(kernel, "mybrd_lock");

    @Test
    void lockDisablesPreemptionUntilUnlock() {
        kernel.runOn(0, "t", () -> {
            lock.lock();
            assertThat(lock.isLocked()).isTrue();
            assertThat(kernel.thisCpu().preemptCount()).isEqualTo(1);
            lock.unlock();
            assertThat(lock.isLocked()).isFalse();
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    @Test
    void trylockFailsWhileHeldAndSucceedsAfter() throws Exception {
        kernel.runOn(0, "holder", () -> {
            lock.lock();
            Thread other = new Thread(() -> kernel.runOn(1, "other", () -> {
                assertThat(lock.tryLock()).isFalse();
                assertThat(kernel.thisCpu().preemptCount()).isZero();
            }));
            other.start();
            join(other);
            lock.unlock();
        });
        kernel.runOn(1, "other", () -> {
            assertThat(lock.tryLock()).isTrue();
            lock.unlock();
        });
    }

    @Test
    void irqAndBhVariantsActOnTheCpuState() {
        java.util.List<String> ran = new java.util.ArrayList<>();
        kernel.openSoftirq(dev.mybrd.kernel.Softirq.BLOCK, k -> ran.add("block"));
        kernel.runOn(0, "t", () -> {
            boolean flags = lock.lockIrqsave();
            assertThat(flags).isFalse();
            assertThat(kernel.thisCpu().irqsDisabled()).isTrue();
            boolean inner = kernel.localIrqSave();
            assertThat(inner).isTrue();
            kernel.localIrqRestore(inner);
            lock.unlockIrqrestore(flags);
            assertThat(kernel.thisCpu().irqsDisabled()).isFalse();

            lock.lockIrq();
            assertThat(kernel.thisCpu().irqsDisabled()).isTrue();
            lock.unlockIrq();
            assertThat(kernel.thisCpu().irqsDisabled()).isFalse();

            lock.lockBh();
            assertThat(kernel.thisCpu().inSoftirq()).isTrue();
            kernel.raiseSoftirq(dev.mybrd.kernel.Softirq.BLOCK);
            assertThat(ran).isEmpty();
            lock.unlockBh();
            assertThat(ran).containsExactly("block");
            assertThat(kernel.thisCpu().preemptCount()).isZero();
            assertThat(kernel.current().heldLocks()).isEmpty();
        });
    }

    @Test
    void recursionAndForeignUnlockAreBugs() {
        kernel.runOn(0, "t", () -> {
            lock.lock();
            assertThatThrownBy(lock::lock).isInstanceOf(KernelBug.class).hasMessageContaining("recursion on mybrd_lock");
            lock.unlock();
            assertThatThrownBy(lock::unlock).isInstanceOf(KernelBug.class).hasMessageContaining("wrong owner");
        });
    }

    @Test
    void ticketsWrapAroundSixteenBits() {
        kernel.runOn(0, "t", () -> {
            for (int i = 0; i < 70_000; i++) {
                assertThat(lock.tryLock()).isTrue();
                lock.unlock();
            }
            assertThat(lock.isLocked()).isFalse();
        });
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
