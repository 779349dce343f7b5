package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;

/**
 * The operations of the request-mode checks: real bios through {@code generic_make_request},
 * {@code blk_queue_bio}, the elevator, {@code mybrd_request_fn} and (in softirq mode)
 * {@code BLOCK_SOFTIRQ}, on a two-page mybrd in {@code queue_mode=rq}.
 *
 * <p><b>Waiting for the end.</b> In request-mode a bio may end after {@code submit_bio} returns:
 * another CPU's {@code request_fn} may have taken the request, and in softirq mode the completion
 * runs in {@code BLOCK_SOFTIRQ}, possibly on this CPU through an IPI. So an operation submits in one
 * task and then, while its bio has not ended, spins, and when an IPI is pending runs a short task on its
 * CPU (which ends with the CPU taking its IPIs and softirqs), a bounded number of times. Results are as in the ramdisk chapter:
 * the first byte of the sector read, or the bio's negative errno; a bio that never ends is an
 * {@link AssertionError} naming what is still in flight.
 */
public abstract class RqDiskOps {
    /** Two pages. */
    public static final long CAPACITY = 2L * Page.PAGE_SIZE;
    private static final int WAIT_ROUNDS = 1000;

    protected final Kernel kernel = new Kernel(4);
    protected final MyBrd disk = new MyBrd(kernel, config());

    /** The device under check; seeded and softirq variants override it. */
    protected MyBrd.Config config() {
        return MyBrd.Config.defaults().withCapacity(CAPACITY).withQueueMode(QueueMode.RQ).withIrqMode(IrqMode.NONE);
    }

    protected int writeSector(int cpu, int sector, int pattern) {
        Page buf = Page.buffer();
        java.util.Arrays.fill(buf.kmap(), 0, Bio.SECTOR_SIZE, (byte) pattern);
        return submitAndWait(cpu, Bio.of(ReqOp.WRITE, sector).addPage(buf, Bio.SECTOR_SIZE, 0)).errno();
    }

    protected int readSector(int cpu, int sector) {
        Page buf = Page.buffer();
        BlkStatus st = submitAndWait(cpu, Bio.of(ReqOp.READ, sector).addPage(buf, Bio.SECTOR_SIZE, 0));
        return st == BlkStatus.OK ? Byte.toUnsignedInt(buf.kmap()[0]) : st.errno();
    }

    protected int discardPage(int cpu, int page) {
        return submitAndWait(cpu, Bio.discard((long) page * 8, 8)).errno();
    }

    private BlkStatus submitAndWait(int cpu, Bio bio) {
        int c = cpu % kernel.nrCpus();
        kernel.runOn(c, "io", () -> disk.submitBio(bio));
        for (int i = 0; i < WAIT_ROUNDS && !bio.ended(); i++) {
            if (kernel.ipisPending()) {
                kernel.runOn(c, "io-wait", () -> { }); // take the IPI; its softirq ends the bio
            } else {
                Thread.onSpinWait(); // another CPU's request_fn holds the request
            }
        }
        if (!bio.ended()) {
            throw new AssertionError("bio never ended: " + bio);
        }
        return bio.status();
    }
}
