package dev.mybrd.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.PageAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KernelTest {
    private final Kernel kernel = new Kernel();

    @Test
    void defaultMachineHasFourCpusAndRejectsBadIds() {
        assertThat(kernel.nrCpus()).isEqualTo(4);
        assertThatThrownBy(() -> kernel.cpu(4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CPUs 0..3");
        assertThatThrownBy(() -> new Kernel(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Kernel(65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runOnBindsTheThreadToOneCpuAndReleasesIt() {
        int id = kernel.runOn(2, "t", () -> {
            assertThat(kernel.current().comm()).isEqualTo("t");
            assertThat(kernel.cpu(2).owner()).isSameAs(kernel.current());
            return kernel.smpProcessorId();
        });
        assertThat(id).isEqualTo(2);
        assertThat(kernel.cpu(2).owner()).isNull();
        assertThatThrownBy(kernel::current).isInstanceOf(IllegalStateException.class).hasMessageContaining("runOn");
    }

    @Test
    void runOnDoesNotNest() {
        kernel.runOn(0, "outer", () -> assertThatThrownBy(() -> kernel.runOn(1, "inner", () -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not nest"));
    }

    @Test
    void migrationMovesTheTaskOnlyWhenPreemptible() {
        kernel.runOn(0, "mover", () -> {
            kernel.migrate(3);
            assertThat(kernel.smpProcessorId()).isEqualTo(3);
            assertThat(kernel.cpu(0).owner()).isNull();
            kernel.preemptDisable();
            assertThatThrownBy(() -> kernel.migrate(1)).isInstanceOf(AtomicSleepBug.class);
            kernel.preemptEnable();
        });
    }

    @Test
    void mightSleepNamesTheAtomicContext() {
        kernel.runOn(0, "sleeper", () -> {
            kernel.mightSleep("fine in process context");
            SpinLock lock = new SpinLock(kernel, "l");
            lock.lock();
            assertThatThrownBy(() -> kernel.mightSleep("alloc_page(GFP_NOIO)"))
                    .isInstanceOf(AtomicSleepBug.class)
                    .hasMessageContaining("sleeping function called from invalid context")
                    .hasMessageContaining("PROCESS context").hasMessageContaining("in_atomic(): 1")
                    .hasMessageContaining("holding [l]");
            lock.unlock();
            kernel.localIrqDisable();
            assertThatThrownBy(() -> kernel.mightSleep("x")).hasMessageContaining("irqs_disabled(): 1");
            kernel.localIrqEnable();
            kernel.hardirq("timer", () -> assertThatThrownBy(() -> kernel.mightSleep("x"))
                    .hasMessageContaining("HARDIRQ context"));
        });
    }

    @Test
    void softirqRunsAtLocalBhEnableInSoftirqContextAndCannotSleep() {
        List<String> seen = new ArrayList<>();
        PageAllocator allocator = new PageAllocator(kernel, 10);
        kernel.openSoftirq(Softirq.BLOCK, k -> {
            seen.add(k.thisCpu().context().name());
            assertThatThrownBy(() -> allocator.allocPage(Gfp.NOIO)).isInstanceOf(AtomicSleepBug.class)
                    .hasMessageContaining("SOFTIRQ context");
            assertThat(allocator.allocPage(Gfp.ATOMIC)).isNotNull();
        });
        kernel.runOn(1, "submitter", () -> {
            kernel.localBhDisable();
            kernel.raiseSoftirq(Softirq.BLOCK);
            assertThat(seen).isEmpty();
            kernel.localBhEnable();
            assertThat(seen).containsExactly("SOFTIRQ");
            assertThat(kernel.thisCpu().preemptCount()).isZero();
        });
    }

    @Test
    void softirqRaisedInHardirqRunsAtIrqExit() {
        List<Context> seen = new ArrayList<>();
        kernel.openSoftirq(Softirq.BLOCK, k -> seen.add(k.thisCpu().context()));
        kernel.runOn(0, "t", () -> {
            kernel.hardirq("disk", () -> {
                kernel.raiseSoftirqIrqoff(Softirq.BLOCK);
                assertThat(seen).isEmpty();
            });
            assertThat(seen).containsExactly(Context.SOFTIRQ);
            assertThat(kernel.thisCpu().irqsDisabled()).isFalse();
        });
    }

    @Test
    void anInterruptCannotArriveWithIrqsDisabled() {
        kernel.runOn(0, "t", () -> {
            boolean flags = kernel.localIrqSave();
            assertThatThrownBy(() -> kernel.hardirq("x", () -> { })).isInstanceOf(IllegalStateException.class);
            kernel.localIrqRestore(flags);
        });
    }

    @Test
    void preemptCountUnderflowIsABug() {
        kernel.runOn(0, "t", () -> assertThatThrownBy(kernel::preemptEnable).isInstanceOf(KernelBug.class)
                .hasMessageContaining("preempt_enable() without preempt_disable()"));
    }

    @Test
    void returningToUserSpaceWithALockHeldIsReportedAndTheCpuIsReset() {
        SpinLock lock = new SpinLock(kernel, "leaky");
        assertThatThrownBy(() -> kernel.runOn(0, "leaker", lock::lock)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("atomic context");
        assertThat(kernel.cpu(0).preemptCount()).isZero();
        assertThat(kernel.cpu(0).owner()).isNull();
    }

    @Test
    void waitingForABusyCpuIsBoundedAndNamesTheHolder() throws Exception {
        Kernel small = new Kernel(1, TimeUnit.MILLISECONDS.toNanos(50));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = new Thread(() -> small.runOn(0, "holder", () -> {
            holding.countDown();
            await(done);
        }));
        holder.start();
        holding.await();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            small.runOn(0, "waiter", () -> { });
        } catch (IllegalStateException e) {
            failure.set(e);
        } finally {
            done.countDown();
            holder.join();
        }
        assertThat(failure.get()).hasMessageContaining("waiter").hasMessageContaining("holder").hasMessageContaining("CPU0");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
