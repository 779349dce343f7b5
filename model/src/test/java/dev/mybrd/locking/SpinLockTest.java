package dev.mybrd.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.kernel.Softirq;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpinLockTest {
    private final Kernel kernel = new Kernel(2);
    private final SpinLock lock = new SpinLock(kernel, "mybrd_lock");

    @Test
    void lockDisablesPreemptionUntilUnlock() {
        kernel.runOn(0, "t", () -> {
            lock.lock();
            assertThat(lock.isLocked()).isTrue();
            assertThat(lock.owner()).isSameAs(kernel.current());
            assertThat(kernel.thisCpu().preemptCount()).isEqualTo(1);
            assertThat(kernel.current().heldLocks()).containsExactly(lock);
            lock.unlock();
            assertThat(lock.isLocked()).isFalse();
            assertThat(lock.owner()).isNull();
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
        List<String> ran = new ArrayList<>();
        kernel.openSoftirq(Softirq.BLOCK, k -> ran.add("block"));
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
            kernel.raiseSoftirq(Softirq.BLOCK);
            assertThat(ran).isEmpty();
            lock.unlockBh();
            assertThat(ran).containsExactly("block");
            assertThat(kernel.thisCpu().preemptCount()).isZero();
            assertThat(kernel.current().heldLocks()).isEmpty();
        });
    }

    @Test
    void irqsaveInsideIrqsOffRestoresIrqsOff() {
        kernel.runOn(0, "t", () -> {
            boolean outer = kernel.localIrqSave();
            boolean flags = lock.lockIrqsave();
            assertThat(flags).isTrue();
            lock.unlockIrqrestore(flags);
            assertThat(kernel.thisCpu().irqsDisabled()).isTrue();
            kernel.localIrqRestore(outer);
        });
    }

    @Test
    void recursionAndForeignUnlockAreBugs() {
        kernel.runOn(0, "t", () -> {
            lock.lock();
            assertThatThrownBy(lock::lock).isInstanceOf(KernelBug.class).hasMessageContaining("recursion on mybrd_lock");
            assertThat(kernel.thisCpu().preemptCount()).as("refused lock undoes its preempt_disable").isEqualTo(1);
            lock.unlock();
            assertThatThrownBy(lock::unlock).isInstanceOf(KernelBug.class).hasMessageContaining("wrong owner");
            assertThat(lock.isLocked()).isFalse();
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    @Test
    void debugSpinlockCatchesRecursionWithLockdepOff() {
        Kernel k = new Kernel(1);
        SpinLock l = new SpinLock(k, "l");
        Lockdep.of(k).debugLocksOff();
        k.runOn(0, "t", () -> {
            l.lock();
            assertThatThrownBy(l::lock).isInstanceOf(KernelBug.class).isNotInstanceOf(LockdepBug.class)
                    .hasMessageContaining("BUG: spinlock recursion on l");
            l.unlock();
        });
    }

    @Test
    void foreignUnlockByAnotherTaskIsRefusedWithoutStateChange() {
        kernel.runOn(0, "holder", () -> {
            lock.lock();
            Thread other = new Thread(() -> kernel.runOn(1, "intruder", () ->
                    assertThatThrownBy(lock::unlock).isInstanceOf(KernelBug.class)
                            .hasMessageContaining("task intruder unlocks a lock held by holder")));
            other.start();
            join(other);
            assertThat(lock.isLocked()).isTrue();
            assertThat(lock.owner()).isSameAs(kernel.current());
            lock.unlock();
        });
    }

    @Test
    void withoutOwnerCheckADoubleUnlockMovesHeadPastTail() {
        SpinLock broken = new SpinLock(kernel, "broken", EnumSet.of(LockBug.NO_OWNER_CHECK));
        kernel.runOn(0, "t", () -> {
            broken.lock();
            broken.unlock();
            kernel.preemptDisable(); // keep preempt_count balanced for the stray unlock
            broken.unlock();
            // head = 2, tail = 1: the lock looks held and nobody can take it any more.
            assertThat(broken.isLocked()).isTrue();
            assertThat(broken.tryLock()).isFalse();
            assertThat(broken.arch().toString()).isEqualTo("head=2 tail=1");
            // The next locker draws ticket 1, which head has passed: reported at once, not after a spin.
            assertThatThrownBy(broken::lock).isInstanceOf(KernelBug.class)
                    .hasMessageContaining("BUG: spinlock ticket skipped on broken: ticket 1 is behind head 2");
        });
    }

    @Test
    void cmpxchgVariantIsAWorkingLock() {
        SpinLock old = new SpinLock(kernel, "old", EnumSet.of(LockBug.CMPXCHG_LOCK));
        assertThat(old.arch()).isInstanceOf(CmpxchgLock.class);
        kernel.runOn(0, "t", () -> {
            old.lock();
            assertThat(old.isLocked()).isTrue();
            assertThat(old.tryLock()).isFalse();
            old.unlock();
            assertThat(old.tryLock()).isTrue();
            old.unlock();
            assertThat(old.isLocked()).isFalse();
        });
    }

    @Test
    void twoTasksNeverHoldTheLockAtOnce() throws Exception {
        int[] counter = {0};
        Runnable work = () -> {
            for (int i = 0; i < 20_000; i++) {
                lock.lock();
                counter[0]++;
                lock.unlock();
            }
        };
        Thread a = new Thread(() -> kernel.runOn(0, "a", work));
        Thread b = new Thread(() -> kernel.runOn(1, "b", work));
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(counter[0]).isEqualTo(40_000);
    }

    @Test
    void badConstructionIsRefused() {
        assertThatThrownBy(() -> new SpinLock(kernel, "x", EnumSet.of(LockBug.CMPXCHG_LOCK, LockBug.XADD_WITHOUT_LOCK_PREFIX)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SpinLock(kernel, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SpinLock(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SpinLock(kernel, "x", (Set<LockBug>) null)).isInstanceOf(NullPointerException.class);
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

    @Test
    void outsideATaskTheCallsFail() {
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class);
        assertThat(lock.isLocked()).isFalse();
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
