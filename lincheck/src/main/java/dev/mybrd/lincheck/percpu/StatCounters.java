package dev.mybrd.lincheck.percpu;

import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.StatBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.rcu.Rcu;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * P19 and P20 on the per-CPU counters of {@link PartStat}: tasks account whole bios
 * ({@code generic_start_io_acct} then {@code generic_end_io_acct}, 8 sectors, WRITE) on a CPU of
 * their choice while readers sum {@code ios[WRITE]} with {@code part_stat_read}.
 *
 * <p>The sum is not linearizable by design (spec 3.4), so the reader does not return it. The test
 * keeps its own count of accounting calls begun ({@code started}) and finished ({@code completed});
 * the reader notes {@code completed}, sums, then notes {@code started}, and answers 0 when the sum
 * lies in between (P20), -1 when it is below (an accounted I/O is missing: a lost update) and 1 when
 * above. Every sequential run answers 0. {@link #quiescent} (run by Lincheck after all threads are
 * done) checks P19: the sums equal the bios accounted and their sectors, and {@code in_flight} is 0.
 * Lincheck runs operations in its own threads; each operation is a task on the simulated CPU it is
 * given (in random scenarios: its thread's own CPU; the hand-written scenarios also make two tasks
 * take turns on CPU 0).
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public class StatCounters {
    static final int SECTORS = 8;

    protected final Kernel kernel = new Kernel(2);
    protected final PartStat part = new PartStat(kernel, new Rcu(kernel), new Jiffies(), bugs());
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();

    /** The statistics under check; the seeded variant overrides it. */
    protected Set<StatBug> bugs() {
        return Set.of();
    }

    /** One bio's accounting, as a task on {@code cpu}. */
    @Operation
    public int account(@Param(name = "cpu") int cpu) {
        kernel.runOn(cpu % kernel.nrCpus(), "io", () -> {
            started.incrementAndGet();
            long start = part.jiffies().get();
            part.genericStartIoAcct(PartStat.WRITE, SECTORS);
            part.genericEndIoAcct(PartStat.WRITE, start);
            completed.incrementAndGet();
        });
        return 0;
    }

    /** {@code part_stat_read(ios[WRITE])} against the accounting begun and finished around it. */
    @Operation
    public int readIos() {
        int lo = completed.get();
        long sum = part.partStatRead(Field.IOS_WRITE);
        int hi = started.get();
        return sum < lo ? -1 : sum > hi ? 1 : 0;
    }

    /** P19 at quiescence; a violation throws, which Lincheck reports with the interleaving. */
    @Validate
    public void quiescent() {
        long n = completed.get();
        long ios = part.partStatRead(Field.IOS_WRITE);
        long sectors = part.partStatRead(Field.SECTORS_WRITE);
        int inFlight = part.partInFlight();
        if (ios != n || sectors != n * SECTORS || inFlight != 0) {
            throw new IllegalStateException("P19 at quiescence: " + n + " bios accounted but ios[WRITE]="
                    + ios + ", sectors[WRITE]=" + sectors + " (want " + n * SECTORS + "), in_flight=" + inFlight);
        }
    }

    /** {@link StatBug#UPDATE_WITHOUT_GET_CPU} under the same operations. */
    public static class WithoutGetCpu extends StatCounters {
        @Override
        protected Set<StatBug> bugs() {
            return Set.of(StatBug.UPDATE_WITHOUT_GET_CPU);
        }
    }
}
