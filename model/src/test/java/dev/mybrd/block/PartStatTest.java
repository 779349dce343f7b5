package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.rcu.Rcu;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** part_stat_*, in_flight, part_round_stats and the stat line, one task at a time. */
class PartStatTest {
    private final Kernel kernel = new Kernel(2);
    private final Jiffies jiffies = new Jiffies();
    private final PartStat part = new PartStat(kernel, new Rcu(kernel), jiffies);

    private void start(int cpu, int rw, long sectors) {
        kernel.runOn(cpu, "io", () -> part.genericStartIoAcct(rw, sectors));
    }

    private void end(int cpu, int rw, long startTime) {
        kernel.runOn(cpu, "io", () -> part.genericEndIoAcct(rw, startTime));
    }

    private long[] stat() {
        return PartStat.parseStatLine(kernel.runOn(0, "cat", () -> part.partStatShow()));
    }

    @Test
    void startCountsOnTheCopyOfItsCpuAndEndGivesInFlightBack() {
        start(1, PartStat.WRITE, 8);
        assertThat(part.dkstats().get(1, Field.IOS_WRITE)).isEqualTo(1);
        assertThat(part.dkstats().get(0, Field.IOS_WRITE)).isZero();
        assertThat(part.partStatRead(Field.SECTORS_WRITE)).isEqualTo(8);
        assertThat(part.inFlight(PartStat.WRITE)).isEqualTo(1);
        jiffies.advance(3);
        end(0, PartStat.WRITE, 0);
        assertThat(part.partInFlight()).isZero();
        assertThat(part.dkstats().get(0, Field.TICKS_WRITE)).isEqualTo(3);
        assertThat(part.partStatRead(Field.IOS_READ)).isZero();
    }

    @Test
    void roundingChargesElapsedTimeWhileSomethingIsInFlight() {
        start(0, PartStat.READ, 8);
        start(1, PartStat.READ, 8);
        jiffies.advance(5);
        end(0, PartStat.READ, 0); // rounds with 2 in flight for 5 jiffies
        jiffies.advance(2);
        end(1, PartStat.READ, 0); // 1 in flight for 2 more
        jiffies.advance(10);      // idle: nothing to charge
        long[] s = stat();
        assertThat(s[9]).as("io_ticks").isEqualTo(7);
        assertThat(s[10]).as("time_in_queue").isEqualTo(2 * 5 + 2);
        assertThat(s[3]).as("read ticks").isEqualTo(5 + 7);
    }

    @Test
    void statLineHasTheElevenFieldsOfV44() {
        start(0, PartStat.READ, 8);
        end(0, PartStat.READ, 0);
        start(1, PartStat.WRITE, 16);
        assertThat(stat()).containsExactly(1, 0, 8, 0, 1, 0, 16, 0, 1, 0, 0);
    }

    @Test
    void anUnmatchedEndShowsAsAHugeUnsignedInFlight() {
        end(0, PartStat.WRITE, 0);
        assertThat(part.partInFlight()).isEqualTo(-1);
        assertThat(stat()[8]).isEqualTo(4294967295L);
    }

    @Test
    void partStatLockDisablesPreemptionUntilUnlock() {
        kernel.runOn(1, "t", () -> {
            int cpu = part.partStatLock();
            assertThat(cpu).isEqualTo(1);
            assertThat(kernel.thisCpu().inAtomic()).isTrue();
            part.partStatUnlock();
            assertThat(kernel.thisCpu().inAtomic()).isFalse();
        });
    }

    @Test
    void addingOutsidePartStatLockOrToAnotherCpusCopyIsABug() {
        assertThatThrownBy(() -> kernel.runOn(0, "t", () -> part.partStatInc(0, Field.IOS_READ)))
                .isInstanceOf(KernelBug.class).hasMessageContaining("preemption disabled");
        assertThatThrownBy(() -> kernel.runOn(0, "t", () -> {
            int cpu = part.partStatLock();
            try {
                part.partStatInc(cpu + 1, Field.IOS_READ);
            } finally {
                part.partStatUnlock();
            }
        })).isInstanceOf(KernelBug.class).hasMessageContaining("CPU1's copy");
        assertThat(part.partStatRead(Field.IOS_READ)).isZero();
    }

    @Test
    void badInputIsRefusedWithoutChangingAnything() {
        assertThatThrownBy(() -> start(0, 2, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> start(0, PartStat.READ, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> end(0, PartStat.READ, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a past jiffies");
        assertThatThrownBy(() -> part.inFlight(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> part.dkstats().get(2, Field.IO_TICKS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> jiffies.advance(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PartStat.parseStatLine("1 2 3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PartStat(kernel, null, jiffies)).isInstanceOf(IllegalArgumentException.class);
        assertThat(stat()).containsOnly(0);
    }

    @Test
    void seededUpdateWithoutGetCpuStoresIntoTheCopyOfTheCpuItLeft() {
        PartStat buggy = new PartStat(kernel, new Rcu(kernel), jiffies, Set.of(StatBug.UPDATE_WITHOUT_GET_CPU));
        int endedOn = kernel.runOn(0, "io", () -> {
            buggy.genericStartIoAcct(PartStat.WRITE, 8);
            return kernel.smpProcessorId();
        });
        assertThat(endedOn).as("the preemption point moved the task").isEqualTo(1);
        assertThat(buggy.dkstats().get(0, Field.IOS_WRITE)).isEqualTo(1);
        assertThat(buggy.dkstats().get(1, Field.IOS_WRITE)).isZero();
    }
}
