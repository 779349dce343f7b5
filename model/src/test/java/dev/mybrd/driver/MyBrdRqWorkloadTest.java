package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import dev.mybrd.workqueue.Timers;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactly-once completion (P1, P2, P19) under load: four submitters on four CPUs, a few thousand
 * small reads and writes over a small range (so requests merge, in plugs and in the elevator, and
 * race), in every irqmode with every injection. Each bio is a system call ({@code runOn}); the timer
 * mode's submitters tick their CPU's clock as time passing would. After a bounded drain every bio
 * has ended exactly once, the statistics count every sector, and nothing is in flight.
 */
class MyBrdRqWorkloadTest {
    private static final int THREADS = 4;
    private static final int BIOS_PER_THREAD = 600;

    static Stream<Arguments> modes() {
        List<Arguments> out = new ArrayList<>();
        Injection[] injections = {Injection.none(), new Injection(7, 0, 0, 0), new Injection(0, 53, 0, 0),
                new Injection(0, 0, 5, 0), new Injection(11, 97, 13, 0)};
        for (IrqMode mode : IrqMode.values()) {
            for (Injection inj : injections) {
                out.add(Arguments.of(mode, inj));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void everyBioEndsExactlyOnce(IrqMode mode, Injection inj) throws Exception {
        Kernel kernel = new Kernel(THREADS);
        MyBrd brd = new MyBrd(kernel, MyBrd.Config.defaults().withQueueMode(QueueMode.RQ).withIrqMode(mode)
                .withInjection(inj));
        Timers timers = Timers.of(kernel);
        ConcurrentLinkedQueue<Bio> all = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int cpu = t;
            threads.add(new Thread(() -> {
                Random rnd = new Random(cpu * 31L + mode.ordinal());
                try {
                    for (int i = 0; i < BIOS_PER_THREAD; i++) {
                        boolean plugged = rnd.nextInt(4) == 0;
                        int n = plugged ? 1 + rnd.nextInt(4) : 1;
                        kernel.runOn(cpu, "io" + cpu, () -> {
                            BlkPlug plug = plugged ? BlkPlug.start(kernel) : null;
                            for (int k = 0; k < n; k++) {
                                ReqOp op = rnd.nextBoolean() ? ReqOp.WRITE : ReqOp.READ;
                                int len = 512 * (1 + rnd.nextInt(8));
                                Bio bio = Bio.of(op, rnd.nextInt(256)).addPage(Page.buffer(), len, 0);
                                all.add(bio);
                                brd.submitBio(bio);
                            }
                            if (plug != null) {
                                BlkPlug.finish(kernel, plug);
                            }
                            if (mode == IrqMode.TIMER) {
                                timers.tick(1);
                            }
                        });
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
            th.join(60_000);
        }
        assertThat(errors).isEmpty();
        assertThat(brd.drain(30_000_000_000L)).as("drain: %s", brd.drainReport()).isTrue();
        long sectors = 0;
        for (Bio b : all) {
            assertThat(b.endioCalls()).as("%s", b).isEqualTo(1);
            if (!inj.any()) {
                assertThat(b.status()).isEqualTo(BlkStatus.OK);
            }
            sectors += b.sectors();
        }
        PartStat st = brd.stats();
        assertThat(st.partStatRead(Field.SECTORS_READ) + st.partStatRead(Field.SECTORS_WRITE)).isEqualTo(sectors);
        assertThat(st.inFlight(PartStat.READ)).isZero();
        assertThat(st.inFlight(PartStat.WRITE)).isZero();
        long ios = st.partStatRead(Field.IOS_READ) + st.partStatRead(Field.IOS_WRITE);
        long merges = st.partStatRead(Field.MERGES_READ) + st.partStatRead(Field.MERGES_WRITE);
        assertThat(ios + merges).isLessThanOrEqualTo(all.size());
        assertThat(ios).isPositive();
        if (inj.timeoutEvery() > 0) {
            assertThat(all).anyMatch(b -> b.status() == BlkStatus.IOERR);
        }
    }
}
