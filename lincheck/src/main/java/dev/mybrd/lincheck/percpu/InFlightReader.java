package dev.mybrd.lincheck.percpu;

import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.PerCpuInFlight;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.rcu.Rcu;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * "in_flight never reads negative" (P19 (c)) against a reader that sums while an I/O starts on CPU 0
 * and, its task migrated, ends on CPU 1 (kernel-races KR-19). {@link #io} accounts one such I/O;
 * {@link #negative} reads {@code in_flight} once and answers 1 if it was below 0. A sequential run
 * never sees a negative count; the three variants differ only in how in_flight is kept and read.
 * The reader needs no CPU state, so it runs outside any task, like a plain load from anywhere.
 */
public abstract class InFlightReader {
    protected final Kernel kernel = new Kernel(2);

    /** Start accounting on the current CPU. */
    protected abstract void start();

    /** End accounting on the current CPU. */
    protected abstract void end();

    /** The in_flight count as the variant's reader computes it. */
    protected abstract int read();

    @Operation
    public int io() {
        kernel.runOn(0, "io", () -> {
            start();
            kernel.migrate(1); // the submitter is moved; the completion accounts on CPU 1
            end();
        });
        return 0;
    }

    @Operation
    public int negative() {
        return read() < 0 ? 1 : 0;
    }

    /** v4.4: {@code in_flight[rw]} are shared atomics; {@code part_in_flight} adds the two. */
    public static class V44 extends InFlightReader {
        private final PartStat part = new PartStat(kernel, new Rcu(kernel), new Jiffies());
        private long startTime;

        @Override
        protected void start() {
            startTime = part.jiffies().get();
            part.genericStartIoAcct(PartStat.WRITE, 8);
        }

        @Override
        protected void end() {
            part.genericEndIoAcct(PartStat.WRITE, startTime);
        }

        @Override
        protected int read() {
            return part.partInFlight();
        }
    }

    /** Later kernels' per-CPU copies, summed raw: what f5482ee5edb9 assumed never negative. */
    public static class PerCpuRaw extends InFlightReader {
        protected final PerCpuInFlight inFlight = new PerCpuInFlight(kernel);

        @Override
        protected void start() {
            inFlight.startIoAcct(PerCpuInFlight.WRITE);
        }

        @Override
        protected void end() {
            inFlight.endIoAcct(PerCpuInFlight.WRITE);
        }

        @Override
        protected int read() {
            return inFlight.countRaw(PerCpuInFlight.WRITE);
        }
    }

    /** The same copies read through {@code bdev_count_inflight_rw} after c007062188d8 (clamped). */
    public static class PerCpuClamped extends PerCpuRaw {
        @Override
        protected int read() {
            return inFlight.bdevCountInflightRw(PerCpuInFlight.WRITE);
        }
    }
}
