package dev.mybrd.stress.ramdisk;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.driver.Bug;
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
 * Seeded bug ZERO_AFTER_PUBLISH: the page is allocated without __GFP_ZERO (so it holds the
 * allocator's 0xaa poison) and cleared only after radix_tree_insert has published it. A reader that
 * finds the page in that window copies poison.
 *
 * Same actors and outcome specification as ReaderVsFirstWriter (read it first); only the device
 * configuration differs. GARBAGE is still FORBIDDEN: this check is expected to observe it, which
 * proves that ReaderVsFirstWriter would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.ReaderVsFirstWriterZeroAfterPublish$' -m quick
 */
@JCStressTest
@StressCheck(chapter = "ramdisk", property = "P5 readers never see an uninitialised page", seeded = "ZERO_AFTER_PUBLISH")
@Outcome(id = "ZEROS", expect = ACCEPTABLE, desc = "The read came first, or found the new page still zero-filled.")
@Outcome(id = "DATA", expect = ACCEPTABLE, desc = "The read saw the whole write.")
@Outcome(id = "TORN", expect = ACCEPTABLE_INTERESTING, desc = "memcpy is not atomic; overlapping concurrent I/O may tear, spec PS5")
@Outcome(expect = FORBIDDEN, desc = "GARBAGE or anything else: the reader copied a page that was not initialised.")
@State
public class ReaderVsFirstWriterZeroAfterPublish {
    /** Page 0's last sector: a page is cleared front to back, so its end stays uninitialised longest. */
    private static final long LAST_SECTOR = 7;

    private final Kernel kernel = new Kernel(2);
    private final MyBrd disk = RamDisk.disk(kernel, Bug.ZERO_AFTER_PUBLISH);
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
