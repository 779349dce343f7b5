package dev.mybrd.lincheck.mq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.Arrays;

/**
 * The operations of the mq checks: real bios through {@code generic_make_request},
 * {@code blk_mq_make_request} (ctx of the submitting CPU, {@code map_queue}, tag, merge or insert,
 * inline run), {@code mybrd_queue_rq} and the driver's work item, on a two-page mybrd in
 * {@code queue_mode=mq}. A bio may end after {@code submit_bio} returns (another CPU's run took its
 * request; in softirq mode the completion comes back by IPI), so an operation waits, bounded, giving
 * its CPU background turns (IPIs, kblockd, the work item). Results as in the ramdisk chapter: the
 * first byte of the sector read, or the bio's negative errno; a bio that never ends is an
 * {@link AssertionError}.
 */
public abstract class MqDiskOps {
    /** Two pages. */
    public static final long CAPACITY = 2L * Page.PAGE_SIZE;
    private static final int WAIT_ROUNDS = 20;
    /**
     * A plugged job's bios end within one turn (both requests are on the driver's work list when
     * {@code blk_finish_plug} returns; no IPI or timer is involved); a small bound keeps a lost
     * request cheap to report under the model checker (2 rounds: 7 s for the seeded twin, 4 rounds:
     * 22 s, on this box under load).
     */
    private static final int PLUG_WAIT_ROUNDS = 2;
    /** What {@link #plugWriteSector} returns when a bio of the job never ended. */
    public static final int NEVER_ENDED = -10_000;

    protected final Kernel kernel = new Kernel(4);
    protected final MyBrd disk = iostatsOff(new MyBrd(kernel, config()));

    /**
     * {@code echo 0 > /sys/block/mybrd/queue/iostats}: these checks are about the data; the disk
     * statistics (checked by the accounting scenarios) would only add steps to every explored
     * interleaving.
     */
    private static MyBrd iostatsOff(MyBrd brd) {
        brd.mqQueue().setStats(null);
        return brd;
    }

    /** The device under check; variants override it. */
    protected MyBrd.Config config() {
        return MyBrd.Config.defaults().withCapacity(CAPACITY).withQueueMode(QueueMode.MQ);
    }

    protected int writeSector(int cpu, int sector, int pattern) {
        Page buf = Page.buffer();
        Arrays.fill(buf.kmap(), 0, Bio.SECTOR_SIZE, (byte) pattern);
        return submitAndWait(cpu, Bio.of(ReqOp.WRITE, sector).addPage(buf, Bio.SECTOR_SIZE, 0)).errno();
    }

    protected int readSector(int cpu, int sector) {
        Page buf = Page.buffer();
        BlkStatus st = submitAndWait(cpu, Bio.of(ReqOp.READ, sector).addPage(buf, Bio.SECTOR_SIZE, 0));
        return st == BlkStatus.OK ? Byte.toUnsignedInt(buf.kmap()[0]) : st.errno();
    }

    /**
     * A plugged job: {@code blk_start_plug}, a write of {@code sector} and one of {@code scratch}
     * (a sector no operation reads, so the job has two requests in flight through the plug),
     * {@code blk_finish_plug}; then it waits, bounded, for both. Returns the first write's result,
     * or {@link #NEVER_ENDED}.
     */
    protected int plugWriteSector(int cpu, int sector, int scratch, int pattern) {
        Page buf = Page.buffer();
        Arrays.fill(buf.kmap(), 0, Bio.SECTOR_SIZE, (byte) pattern);
        Bio first = Bio.of(ReqOp.WRITE, sector).addPage(buf, Bio.SECTOR_SIZE, 0);
        Bio second = Bio.of(ReqOp.WRITE, scratch).addPage(Page.buffer(), Bio.SECTOR_SIZE, 0);
        int c = cpu % kernel.nrCpus();
        kernel.runOn(c, "plugged-io", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            disk.submitBio(first);
            disk.submitBio(second);
            BlkPlug.finish(kernel, plug);
        });
        for (int i = 0; i < PLUG_WAIT_ROUNDS && !(first.ended() && second.ended()); i++) {
            kernel.runOn(c, "io-wait", disk::backgroundTurn);
        }
        if (!first.ended() || !second.ended()) {
            return NEVER_ENDED; // a result no specification gives: the check fails without an exception
        }
        return first.status().errno();
    }

    private BlkStatus submitAndWait(int cpu, Bio bio) {
        int c = cpu % kernel.nrCpus();
        kernel.runOn(c, "io", () -> disk.submitBio(bio));
        return waitFor(c, bio, WAIT_ROUNDS);
    }

    /** Background turns on CPU {@code c} until {@code bio} ends, at most {@code rounds}. */
    private BlkStatus waitFor(int c, Bio bio, int rounds) {
        for (int i = 0; i < rounds && !bio.ended(); i++) {
            kernel.runOn(c, "io-wait", disk::backgroundTurn);
        }
        if (!bio.ended()) {
            throw new AssertionError("bio never ended: " + bio);
        }
        return bio.status();
    }
}
