package dev.mybrd.lincheck.percpu;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * P19 on the RAM disk, after a bounded run on real threads: two submitters (one per CPU) send a
 * fixed, seeded mix of reads, writes and discards to a 4-page mybrd whose allocator has only 2
 * pages, so some writes fail with {@code -ENOSPC} whatever the interleaving (the writes touch all
 * four pages). A third thread reads the statistics meanwhile, as {@code iostat} would, and checks
 * that {@code in_flight} never reads below 0 and that no sum ever goes down (P20). Each submitter
 * advances {@code jiffies} now and then, so rounding and ticks are exercised.
 *
 * <p>After both submitters are done (quiescence), the stat file must say exactly what was
 * submitted: {@code ios[rw]} and {@code sectors[rw]} per direction (every bio here reaches the
 * driver; a discard counts as a write) and {@code in_flight} 0. The run is bounded: a submitter
 * that does not finish within {@link #JOIN_SECONDS} is a violation naming it.
 */
public final class QuiescentRun {
    static final int BIOS_PER_SUBMITTER = 200;
    static final long JOIN_SECONDS = 60;
    private static final long CAPACITY = 4L * Page.PAGE_SIZE;
    private static final long PAGE_LIMIT = 2;
    private static final int DISK_SECTORS = (int) (CAPACITY >> Bio.SECTOR_SHIFT);

    private QuiescentRun() {
    }

    /** Runs the scenario on the correct driver or with {@code bug}; null if P19 held, else why not. */
    public static String run(Bug bug) throws InterruptedException {
        Kernel kernel = new Kernel(2);
        MyBrd.Config config = MyBrd.Config.defaults().withCapacity(CAPACITY).withPageLimit(PAGE_LIMIT);
        MyBrd disk = new MyBrd(kernel, bug == null ? config : config.withBug(bug));
        PartStat stats = disk.stats();

        long[][] expected = new long[2][2]; // [submitter][ios READ, ios WRITE]
        long[][] sectors = new long[2][2];
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();

        List<Thread> submitters = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            int me = cpu;
            submitters.add(new Thread(() -> {
                try {
                    submit(kernel, disk, me, expected[me], sectors[me], failed);
                } catch (Throwable e) {
                    problems.add("submitter on CPU" + me + " failed: " + e);
                }
            }, "submitter-" + cpu));
        }
        Thread iostat = new Thread(() -> watch(stats, done, problems), "iostat");
        iostat.start();
        submitters.forEach(Thread::start);
        for (Thread t : submitters) {
            t.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
            if (t.isAlive()) {
                problems.add(t.getName() + " did not finish within " + JOIN_SECONDS + " s: " + kernel);
            }
        }
        done.set(true);
        iostat.join(TimeUnit.SECONDS.toMillis(JOIN_SECONDS));
        if (!problems.isEmpty()) {
            return String.join("\n", problems);
        }
        if (failed.get() == 0) {
            return "no bio failed: the run did not reach the error path it is meant to cover";
        }
        long[] stat = PartStat.parseStatLine(kernel.runOn(0, "cat", () -> stats.partStatShow()));
        long wantReadIos = expected[0][0] + expected[1][0];
        long wantWriteIos = expected[0][1] + expected[1][1];
        long wantReadSectors = sectors[0][0] + sectors[1][0];
        long wantWriteSectors = sectors[0][1] + sectors[1][1];
        StringBuilder bad = new StringBuilder();
        expect(bad, "read ios", stat[0], wantReadIos);
        expect(bad, "read sectors", stat[2], wantReadSectors);
        expect(bad, "write ios", stat[4], wantWriteIos);
        expect(bad, "write sectors", stat[6], wantWriteSectors);
        expect(bad, "in_flight", stat[8], 0);
        if (bad.length() == 0) {
            return null;
        }
        return "P19 at quiescence, after " + (wantReadIos + wantWriteIos) + " bios (" + failed.get()
                + " failed with an error):" + bad + "\nstat: " + String.join(" ", toStrings(stat));
    }

    /** One submitter's fixed workload, as tasks on its CPU; counts what it submitted. */
    private static void submit(Kernel kernel, MyBrd disk, int cpu, long[] ios, long[] sectors, AtomicLong failed) {
        Random rnd = new Random(1234 + cpu);
        for (int i = 0; i < BIOS_PER_SUBMITTER; i++) {
            Bio bio = nextBio(rnd, i);
            int rw = bio.op().isWrite() ? PartStat.WRITE : PartStat.READ;
            BlkStatus status = kernel.runOn(cpu, "submitter", () -> {
                disk.submitBio(bio);
                return bio.status();
            });
            if (bio.endioCalls() != 1) {
                throw new IllegalStateException(bio + " ended " + bio.endioCalls() + " times");
            }
            ios[rw]++;
            sectors[rw] += bio.sectors();
            if (status != BlkStatus.OK) {
                failed.incrementAndGet();
            }
            if (i % 8 == 7) {
                disk.jiffies().tick();
            }
        }
    }

    /** Writes walk all four pages first (so two of them must fail), then a mix. */
    private static Bio nextBio(Random rnd, int i) {
        if (i < 4) {
            return Bio.of(ReqOp.WRITE, i * 8L).addPage(Page.buffer(), Bio.SECTOR_SIZE, 0);
        }
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            // A discard, page-aligned or not (the driver refuses the latter with -EIO).
            long start = rnd.nextBoolean() ? 8L * rnd.nextInt(4) : 1;
            return Bio.discard(start, 8);
        }
        int len = Bio.SECTOR_SIZE * (1 + rnd.nextInt(8));
        long sector = rnd.nextInt(DISK_SECTORS - len / Bio.SECTOR_SIZE + 1);
        ReqOp op = kind < 6 ? ReqOp.READ : ReqOp.WRITE;
        return Bio.of(op, sector).addPage(Page.buffer(), len, 0);
    }

    /** iostat's view while the I/O runs: in_flight within bounds, sums never going down. */
    private static void watch(PartStat stats, AtomicBoolean done, ConcurrentLinkedQueue<String> problems) {
        Field[] fields = {Field.IOS_READ, Field.IOS_WRITE, Field.SECTORS_READ, Field.SECTORS_WRITE};
        long[] last = new long[fields.length];
        while (!done.get()) {
            int inFlight = stats.partInFlight();
            if (inFlight < 0) {
                problems.add("in_flight read " + inFlight + " while the I/O ran");
                return;
            }
            for (int f = 0; f < fields.length; f++) {
                long v = stats.partStatRead(fields[f]);
                if (v < last[f]) {
                    problems.add("P20: " + fields[f] + " went down from " + last[f] + " to " + v);
                    return;
                }
                last[f] = v;
            }
            Thread.onSpinWait();
        }
    }

    private static void expect(StringBuilder bad, String what, long got, long want) {
        if (got != want) {
            bad.append("\n  ").append(what).append(": stat file says ").append(got).append(", submitted ").append(want);
        }
    }

    private static String[] toStrings(long[] v) {
        String[] s = new String[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = Long.toString(v[i]);
        }
        return s;
    }
}
