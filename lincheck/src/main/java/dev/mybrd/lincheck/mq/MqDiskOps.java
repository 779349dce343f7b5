package dev.mybrd.lincheck.mq;

import dev.mybrd.block.Bio;
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

    protected final Kernel kernel = new Kernel(4);
    protected final MyBrd disk = new MyBrd(kernel, config());

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

    private BlkStatus submitAndWait(int cpu, Bio bio) {
        int c = cpu % kernel.nrCpus();
        kernel.runOn(c, "io", () -> disk.submitBio(bio));
        for (int i = 0; i < WAIT_ROUNDS && !bio.ended(); i++) {
            kernel.runOn(c, "io-wait", disk::backgroundTurn);
        }
        if (!bio.ended()) {
            throw new AssertionError("bio never ended: " + bio);
        }
        return bio.status();
    }
}
