package dev.mybrd.locking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Softirq;
import dev.mybrd.locking.Lockdep.Rule;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LockdepTest {
    private final Kernel kernel = new Kernel(2);
    private final Lockdep lockdep = Lockdep.of(kernel);
    private final SpinLock a = new SpinLock(kernel, "A");
    private final SpinLock b = new SpinLock(kernel, "B");
    private final SpinLock c = new SpinLock(kernel, "C");

    @Test
    void oneValidatorPerKernel() {
        assertThat(Lockdep.of(kernel)).isSameAs(lockdep);
        assertThat(Lockdep.of(new Kernel(1))).isNotSameAs(lockdep);
        assertThat(lockdep.debugLocks()).isTrue();
    }

    @Test
    void softirqTakingALockHeldWithSoftirqsEnabledIsReportedBeforeItSpins() {
        kernel.openSoftirq(Softirq.BLOCK, k -> a.lock());
        assertThatThrownBy(() -> kernel.runOn(0, "writer", () -> {
            a.lock(); // process context, softirqs enabled: SOFTIRQ-ON-W
            kernel.hardirq("timer", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK)); // irq_exit runs it
        })).isInstanceOfSatisfying(LockdepBug.class, e -> {
            assertThat(e.rule()).isEqualTo(Rule.INCONSISTENT_USAGE);
            assertThat(e).hasMessageContaining("{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage of A")
                    .hasMessageContaining("task writer on CPU0 in process context (spin_lock)")
                    .hasMessageContaining("task writer on CPU0 in softirq context (spin_lock)");
        });
        assertThat(lockdep.reports()).extracting(Lockdep.Report::rule).containsExactly(Rule.INCONSISTENT_USAGE);
    }

    @Test
    void theReverseOrderIsReportedAtTheProcessContextAcquisition() {
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            a.lock();
            a.unlock();
        });
        kernel.runOn(0, "t", () -> kernel.hardirq("irq", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK)));
        kernel.runOn(1, "t2", () -> {
            assertThatThrownBy(a::lock).isInstanceOf(LockdepBug.class)
                    .hasMessageContaining("{IN-SOFTIRQ-W} -> {SOFTIRQ-ON-W} usage of A");
            assertThat(a.isLocked()).isFalse();
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    @Test
    void bhDisabledProcessContextAndSoftirqAreConsistent() {
        AtomicInteger ran = new AtomicInteger();
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            a.lock();
            ran.incrementAndGet();
            a.unlock();
        });
        kernel.runOn(0, "t", () -> {
            a.lockBh();
            kernel.hardirq("irq", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK)); // deferred: BH off
            assertThat(ran).hasValue(0);
            a.unlockBh(); // runs it now
        });
        assertThat(ran).hasValue(1);
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void hardirqLockNeedsIrqsOffEverywhere() {
        kernel.runOn(0, "t", () -> {
            kernel.hardirq("irq", () -> {
                a.lock();
                a.unlock();
            });
            boolean flags = a.lockIrqsave();
            a.unlockIrqrestore(flags);
            assertThat(lockdep.reports()).isEmpty();
            assertThatThrownBy(a::lockBh).isInstanceOf(LockdepBug.class)
                    .hasMessageContaining("{IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage of A");
            assertThat(kernel.thisCpu().preemptCount()).as("BH and preemption restored").isZero();
        });
    }

    @Test
    void aRefusedIrqVariantRestoresTheIrqFlag() {
        AtomicInteger checked = new AtomicInteger();
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            assertThatThrownBy(a::lockIrq).isInstanceOf(LockdepBug.class);
            assertThat(k.thisCpu().irqsDisabled()).as("softirq handlers run with IRQs on").isFalse();
            assertThat(a.isLocked()).isFalse();
            checked.incrementAndGet();
        });
        kernel.runOn(0, "t", () -> {
            a.lock();
            a.unlock();
            kernel.hardirq("irq", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK));
        });
        assertThat(checked).hasValue(1);
    }

    @Test
    void trylockInSoftirqIsNotUsage() {
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            if (a.tryLock()) {
                a.unlock();
            }
        });
        kernel.runOn(0, "t", () -> {
            kernel.hardirq("irq", () -> kernel.raiseSoftirqIrqoff(Softirq.BLOCK));
            a.lock();
            a.unlock();
        });
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void recursionIsReportedWithTheFirstAcquisition() {
        kernel.runOn(0, "t", () -> {
            a.lockIrq();
            assertThatThrownBy(a::lock).isInstanceOfSatisfying(LockdepBug.class, e -> {
                assertThat(e.rule()).isEqualTo(Rule.RECURSION);
                assertThat(e).hasMessageContaining("possible recursive locking detected")
                        .hasMessageContaining("already holds (taken in process context by spin_lock_irq)");
            });
            assertThat(a.tryLock()).as("a trylock of a held lock just fails").isFalse();
            a.unlockIrq();
        });
        assertThat(lockdep.reports()).hasSize(1);
    }

    @Test
    void unlockIrqInAPathEnteredWithIrqsOffIsRefused() {
        kernel.runOn(0, "t", () -> {
            boolean flags = kernel.localIrqSave();
            a.lockIrq();
            assertThatThrownBy(a::unlockIrq).isInstanceOfSatisfying(LockdepBug.class, e -> {
                assertThat(e.rule()).isEqualTo(Rule.UNLOCK_IRQ_WITH_IRQS_OFF);
                assertThat(e).hasMessageContaining("spin_unlock_irq(A) in a path entered with IRQs disabled");
            });
            assertThat(a.owner()).as("refused unlock changes nothing").isSameAs(kernel.current());
            assertThat(kernel.thisCpu().irqsDisabled()).isTrue();
            a.unlock();
            kernel.localIrqRestore(flags);
        });
    }

    @Test
    void unlockIrqOfALockSavedWithIrqsOffIsRefused() {
        kernel.runOn(0, "t", () -> {
            boolean outer = kernel.localIrqSave();
            a.lockIrqsave();
            assertThatThrownBy(a::unlockIrq).isInstanceOf(LockdepBug.class)
                    .hasMessageContaining("took A by spin_lock_irqsave with IRQs already off");
            a.unlock();
            kernel.localIrqRestore(outer);
        });
    }

    @Test
    void irqDisableThenSpinLockThenUnlockIrqInOneFunctionIsLegal() {
        kernel.runOn(0, "t", () -> {
            kernel.localIrqDisable(); // start_flush_work(): local_irq_disable(); spin_lock(&pool->lock);
            a.lock();
            a.unlockIrq(); // ... spin_unlock_irq(&pool->lock);
            org.junit.jupiter.api.Assertions.assertFalse(kernel.thisCpu().irqsDisabled());
        });
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void unlockIrqInAHardirqHandlerIsRefused() {
        assertThatThrownBy(() -> kernel.runOn(0, "t", () -> kernel.hardirq("irq", () -> {
            a.lock();
            a.unlockIrq();
        }))).isInstanceOf(LockdepBug.class).hasMessageContaining("in hardirq context took A by spin_lock in a hardirq handler");
    }

    @Test
    void unlockIrqAfterLockIrqWithIrqsOnIsFine() {
        kernel.runOn(0, "t", () -> {
            a.lockIrq();
            a.unlockIrq(); // request_fn style: drop and re-take around I/O
            a.lockIrq();
            a.unlockIrq();
        });
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void abbaIsReportedWithoutTheDeadlockHappening() {
        kernel.runOn(0, "first", () -> {
            a.lock();
            b.lock();
            b.unlock();
            a.unlock();
        });
        kernel.runOn(1, "second", () -> {
            b.lock();
            assertThatThrownBy(a::lock).isInstanceOfSatisfying(LockdepBug.class, e -> {
                assertThat(e.rule()).isEqualTo(Rule.CIRCULAR_DEPENDENCY);
                assertThat(e).hasMessageContaining("task second on CPU1 in process context (spin_lock) takes A while holding B")
                        .hasMessageContaining("A -> B (task first on CPU0 in process context (spin_lock) took B while holding A)");
            });
            assertThat(a.isLocked()).isFalse();
            b.unlock();
        });
    }

    @Test
    void aLongerCycleIsFoundToo() {
        kernel.runOn(0, "t", () -> {
            a.lock();
            b.lock();
            b.unlock();
            a.unlock();
            b.lock();
            c.lock();
            c.unlock();
            b.unlock();
            c.lock();
            assertThatThrownBy(a::lock).isInstanceOf(LockdepBug.class)
                    .hasMessageContaining("A -> B").hasMessageContaining("B -> C");
            c.unlock();
        });
    }

    @Test
    void theSameOrderEverywhereIsFine() {
        for (int cpu = 0; cpu < 2; cpu++) {
            kernel.runOn(cpu, "t" + cpu, () -> {
                boolean f = a.lockIrqsave();
                b.lock();
                c.lock();
                c.unlock();
                b.unlock();
                a.unlockIrqrestore(f);
            });
        }
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void locksOfAnInterruptedContextAreNotOrderedBeforeTheHandlersLocks() {
        kernel.runOn(0, "t", () -> {
            b.lock();
            kernel.hardirq("irq", () -> {
                boolean f = a.lockIrqsave();
                a.unlockIrqrestore(f);
            });
            b.unlock();
            boolean f = a.lockIrqsave();
            b.lock(); // A -> B only: the hardirq's A was not taken "under" B
            b.unlock();
            a.unlockIrqrestore(f);
        });
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void trylockAddsNoOrderOfItsOwn() {
        kernel.runOn(0, "t", () -> {
            a.lock();
            assertThat(b.tryLock()).isTrue();
            b.unlock();
            a.unlock();
            b.lock();
            a.lock(); // B -> A; the earlier A -> B was a trylock, which cannot deadlock
            a.unlock();
            b.unlock();
        });
        assertThat(lockdep.reports()).isEmpty();
    }

    @Test
    void sleepingWithASpinlockHeldIsReportedNamingTheLock() {
        kernel.runOn(0, "t", () -> {
            a.lock();
            assertThatThrownBy(() -> kernel.mightSleep("alloc_page(GFP_NOIO)")).isInstanceOf(AtomicSleepBug.class);
            a.unlock();
            kernel.mightSleep("alloc_page(GFP_NOIO)");
        });
        assertThat(lockdep.reports()).singleElement().satisfies(r -> {
            assertThat(r.rule()).isEqualTo(Rule.SLEEP_WITH_LOCK_HELD);
            assertThat(r.message()).contains("holds A (taken in process context by spin_lock)")
                    .contains("alloc_page(GFP_NOIO)");
        });
    }

    @Test
    void offMeansNoJudgement() {
        lockdep.debugLocksOff();
        kernel.runOn(0, "t", () -> {
            a.lock();
            b.lock();
            b.unlock();
            a.unlock();
            b.lock();
            a.lock();
            a.unlock();
            b.unlock();
        });
        assertThat(lockdep.reports()).isEmpty();
    }
}
