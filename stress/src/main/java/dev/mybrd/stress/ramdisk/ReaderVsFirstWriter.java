package dev.mybrd.stress.ramdisk;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/*
 * P5, a reader never sees an uninitialised page (spec 3.15, the RCU message-passing pattern). The
 * first write to a page allocates it zero-filled and only then publishes it in the radix tree with
 * a release store; a reader walks the tree with acquire loads and no lock. Whatever the reader finds,
 * the page it copies from is initialised: zeros, or the writer's bytes.
 *
 * Actor 1 (CPU 0) writes sector 7 filled with 0x5a to page 0, which does not exist yet; actor 2
 * (CPU 1) reads sector 7 at the same time. (Sector 7 is the page's last: of all sectors it stays
 * uninitialised longest if a page is published before it is cleared front to back.) The arbiter
 * classifies what the reader got: ZEROS, DATA (all 0x5a), TORN (zeros and 0x5a mixed) or GARBAGE
 * (any other byte, e.g. the allocator's 0xaa poison of a page published before it was cleared).
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.ReaderVsFirstWriter$' -m quick
 * (-t is a regex searched in the class name; the anchors keep the seeded variants out.)
 * Seeded variant with the same outcomes: ReaderVsFirstWriterZeroAfterPublish.
 */
@JCStressTest
@StressCheck(chapter = "ramdisk", property = "P5 readers never see an uninitialised page", seeded = "")
@Outcome(id = "ZEROS", expect = ACCEPTABLE, desc = "The read came first, or found the new page still zero-filled.")
@Outcome(id = "DATA", expect = ACCEPTABLE, desc = "The read saw the whole write.")
@Outcome(id = "TORN", expect = ACCEPTABLE_INTERESTING, desc = "memcpy is not atomic; overlapping concurrent I/O may tear, spec PS5")
@Outcome(expect = FORBIDDEN, desc = "GARBAGE or anything else: the reader copied a page that was not initialised.")
@State
public class ReaderVsFirstWriter {
    /** Page 0's last sector: a page is cleared front to back, so its end stays uninitialised longest. */
    private static final long LAST_SECTOR = 7;

    private final Kernel kernel = new Kernel(2);
    private final MyBrd disk = RamDisk.disk(kernel, null);
    private final Page src = RamDisk.sectorFilledWith(0x5a);
    private final Page dst = Page.buffer();

    @Actor
    public void writer() {
        kernel.runOn(0, "writer", () -> RamDisk.writeSector(disk, LAST_SECTOR, src));
    }

    @Actor
    public void reader() {
        kernel.runOn(1, "reader", () -> RamDisk.readSector(disk, LAST_SECTOR, dst));
    }

    @Arbiter
    public void classify(L_Result r) {
        // Classified after both actors, so the race window holds only the two bios.
        r.r1 = RamDisk.classify(dst, 0x5a);
    }
}
