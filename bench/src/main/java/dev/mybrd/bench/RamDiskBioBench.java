package dev.mybrd.bench;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.PageStore;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of 4 KiB reads and 4 KiB writes on the bio-mode mybrd RAM disk of the model, with one
 * and with two submitting threads.
 *
 * <p><b>What one operation is.</b> One page-aligned, one-segment 4 KiB bio: {@code bio_alloc} +
 * {@code bio_add_page} ({@link Bio#of}, {@link Bio#addPage}), entering the kernel as a task on the
 * thread's own CPU ({@link Kernel#runOn}: claim the CPU, run, release it), {@code submit_bio}
 * ({@code generic_make_request} checks, {@code mybrd_make_request_fn}, radix-tree lookup on the RCU
 * read side, a 4096-byte copy, {@code bio_endio}), then a check that the bio ended once with
 * {@link BlkStatus#OK}. Reads also check that the bytes of the addressed page arrived; the write
 * benchmarks read every page they wrote back at the end of the trial and check it. Either check
 * failing throws, so a model that skips the work fails instead of looking fast.
 *
 * <p><b>Layout.</b> The 4 MiB disk (1024 pages, sectors 0..8191) is filled in the trial setup, so
 * every read finds a page and every write overwrites one: the page-allocation and insert path
 * ({@code mybrd_lock}) is not on the measured path. With N threads, thread t owns the pages whose
 * index is t modulo N and walks them in order, so no two threads ever touch the same page (no data
 * races on page bytes) while they share the radix tree. The machine has one CPU per thread, so no
 * thread waits for a CPU.
 *
 * <p><b>What is NOT measured.</b> No page cache, no file system, no system-call boundary, no real
 * device or DMA: this is a Java model, so the numbers say how fast the model runs on this JVM, not
 * how fast Linux's brd or mybrd is. Also not covered: request mode (queue lock, elevator, softirq
 * completion), first writes that allocate pages, discard, flush, multi-segment, sub-page or
 * page-crossing bios, and two threads on the same page.
 *
 * <p><b>How to run.</b> Build with {@code cd bench && mvn -B package} (the build runs no benchmark),
 * then from the repository root:
 * <pre>
 * java -jar bench/target/benchmarks.jar RamDiskBioBench -f 1 -wi 1 -i 3 -w 1s -r 1s
 * </pre>
 * runs all four methods: {@code read_1t}, {@code read_2t}, {@code write_1t}, {@code write_2t}; the
 * thread count is fixed per method with {@link Threads}. One of them:
 * {@code java -jar bench/target/benchmarks.jar 'RamDiskBioBench.read_2t' -f 1 -wi 1 -i 3 -w 1s -r 1s}.
 * Another thread count: JMH's {@code -t N} overrides the annotation for every method
 * (e.g. {@code 'RamDiskBioBench.read_1t' -t 4}); the machine gets N CPUs (at most 64).
 * Scores are operations per second summed over all threads. On a 2-core machine the 2-thread runs
 * share the cores with JMH and the JIT: compare ratios from one run, not absolute numbers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RamDiskBioBench {
    private static final int PAGE_SECTORS = PageStore.PAGE_SECTORS;
    /** Stamp of the pages the trial setup writes; the write benchmarks write {@link #TAG_WRITE}. */
    private static final byte TAG_PREFILL = 0x11;
    private static final byte TAG_WRITE = 0x77;

    /** One disk and one machine per trial, shared by the benchmark's threads. */
    @State(Scope.Benchmark)
    public static class Disk {
        Kernel kernel;
        MyBrd disk;
        int nrPages;
        int nrThreads;
        final AtomicInteger nextCpu = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            nrThreads = params.getThreads();
            if (nrThreads > 64) {
                throw new IllegalArgumentException("the model has at most 64 CPUs; asked for " + nrThreads + " threads");
            }
            // One CPU per thread: a CPU has one owner at a time, so a shared CPU would measure waiting.
            kernel = new Kernel(nrThreads);
            disk = new MyBrd(kernel);
            nrPages = (int) (disk.disk().capacity() / PAGE_SECTORS);
            nextCpu.set(0);
            // Prefill so reads copy real pages and writes overwrite instead of allocating.
            Page buf = Page.buffer();
            kernel.runOn(0, "bench-prefill", () -> {
                for (int idx = 0; idx < nrPages; idx++) {
                    stamp(buf, idx, TAG_PREFILL);
                    Bio bio = Bio.of(ReqOp.WRITE, (long) idx * PAGE_SECTORS).addPage(buf, Page.PAGE_SIZE, 0);
                    disk.submitBio(bio);
                    checkEnded(bio);
                }
            });
            if (disk.pages().nrPages() != nrPages) {
                throw new IllegalStateException("prefill left " + disk.pages().nrPages() + " of " + nrPages + " pages");
            }
        }
    }

    /** A benchmark thread's CPU, buffer page and place in its stripe of the disk. */
    @State(Scope.Thread)
    public static class Cpu {
        int cpu;
        String comm;
        final Page buf = Page.buffer();
        /** This thread's pages are {@code cpu + k * stride} for k in [0, count). */
        int stride;
        int count;
        int k;
        long ops;

        @Setup(Level.Trial)
        public void setUp(Disk d) {
            cpu = d.nextCpu.getAndIncrement();
            if (cpu >= d.nrThreads) {
                throw new IllegalStateException("more benchmark threads than CPUs: " + (cpu + 1) + " > " + d.nrThreads);
            }
            comm = "bench" + cpu;
            stride = d.nrThreads;
            count = (d.nrPages - cpu + stride - 1) / stride;
            k = 0;
            ops = 0;
        }

        /** The next page of this thread's stripe, in order, wrapping. */
        int nextPage() {
            int idx = cpu + k * stride;
            k = k + 1 == count ? 0 : k + 1;
            ops++;
            return idx;
        }
    }

    /** The write benchmarks' thread state: at the end of the trial, reads back what it wrote. */
    @State(Scope.Thread)
    public static class Writer extends Cpu {
        @TearDown(Level.Trial)
        public void verify(Disk d) {
            int visited = (int) Math.min(ops, count);
            Page back = Page.buffer();
            d.kernel.runOn(cpu, comm + "-verify", () -> {
                for (int j = 0; j < visited; j++) {
                    int idx = cpu + j * stride;
                    Bio bio = Bio.of(ReqOp.READ, (long) idx * PAGE_SECTORS).addPage(back, Page.PAGE_SIZE, 0);
                    d.disk.submitBio(bio);
                    checkEnded(bio);
                    checkStamp(back, idx, TAG_WRITE);
                }
            });
        }
    }

    @Benchmark
    @Threads(1)
    public void read_1t(Disk d, Cpu c, Blackhole bh) {
        read(d, c, bh);
    }

    @Benchmark
    @Threads(2)
    public void read_2t(Disk d, Cpu c, Blackhole bh) {
        read(d, c, bh);
    }

    @Benchmark
    @Threads(1)
    public void write_1t(Disk d, Writer c, Blackhole bh) {
        write(d, c, bh);
    }

    @Benchmark
    @Threads(2)
    public void write_2t(Disk d, Writer c, Blackhole bh) {
        write(d, c, bh);
    }

    private static void read(Disk d, Cpu c, Blackhole bh) {
        int idx = c.nextPage();
        Bio bio = Bio.of(ReqOp.READ, (long) idx * PAGE_SECTORS).addPage(c.buf, Page.PAGE_SIZE, 0);
        d.kernel.runOn(c.cpu, c.comm, () -> d.disk.submitBio(bio));
        checkEnded(bio);
        // The buffer still holds the previous page's bytes if the copy did not happen.
        checkStamp(c.buf, idx, TAG_PREFILL);
        bh.consume(bio);
    }

    private static void write(Disk d, Cpu c, Blackhole bh) {
        int idx = c.nextPage();
        stamp(c.buf, idx, TAG_WRITE);
        Bio bio = Bio.of(ReqOp.WRITE, (long) idx * PAGE_SECTORS).addPage(c.buf, Page.PAGE_SIZE, 0);
        d.kernel.runOn(c.cpu, c.comm, () -> d.disk.submitBio(bio));
        checkEnded(bio);
        bh.consume(bio);
    }

    /** Marks a page's bytes with its index and a tag at both ends (the copy is all or nothing per page). */
    static void stamp(Page p, int idx, byte tag) {
        byte[] b = p.kmap();
        b[0] = (byte) idx;
        b[1] = (byte) (idx >>> 8);
        b[Page.PAGE_SIZE - 2] = tag;
        b[Page.PAGE_SIZE - 1] = (byte) idx;
    }

    static void checkStamp(Page p, int idx, byte tag) {
        byte[] b = p.kmap();
        if (b[0] != (byte) idx || b[1] != (byte) (idx >>> 8)
                || b[Page.PAGE_SIZE - 2] != tag || b[Page.PAGE_SIZE - 1] != (byte) idx) {
            throw new IllegalStateException("page " + idx + " does not hold its data (tag " + tag + ")");
        }
    }

    static void checkEnded(Bio bio) {
        if (bio.endioCalls() != 1 || bio.status() != BlkStatus.OK) {
            throw new IllegalStateException(bio + " ended " + bio.endioCalls() + " times with " + bio.status());
        }
    }
}
