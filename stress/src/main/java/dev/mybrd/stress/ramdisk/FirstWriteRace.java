package dev.mybrd.stress.ramdisk;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P4, first writers share one page (spec 3.15). Two tasks write different sectors (0 and 1) of
 * the same page, which does not exist yet, so both look it up, both allocate a page and both try
 * to insert it. brd's rule: the insert is serialised by mybrd_lock, the loser sees -EEXIST, frees
 * its page and copies into the winner's. So after both bios end, both sectors hold their data.
 *
 * Actor 1 runs on CPU 0 and writes 0x11 to sector 0; actor 2 runs on CPU 1 and writes 0x22 to
 * sector 1. The arbiter reads both sectors back and reports, per sector, the value every byte
 * holds (17 = 0x11, 34 = 0x22, 0 = never written) or -1 if the bytes differ.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.FirstWriteRace$' -m quick
 * (-t is a regex searched in the class name; the anchors keep the seeded variants out.)
 * Seeded variant with the same outcomes: FirstWriteRaceWithoutRecheck. (INSERT_WITHOUT_LOCK's window,
 * between the slot check and the store inside radix_tree_insert, is too narrow for the short mode to
 * hit it on every run; its deterministic check is Lincheck's seeded-insert-without-lock.)
 */
@JCStressTest
@StressCheck(chapter = "ramdisk", property = "P4 first writers share one page", seeded = "")
@Outcome(id = "17, 34", expect = ACCEPTABLE, desc = "Both writes landed in the one page that was inserted.")
@Outcome(id = "0, 34", expect = FORBIDDEN, desc = "Sector 0's write was lost: it went into a page that is no longer reachable.")
@Outcome(id = "17, 0", expect = FORBIDDEN, desc = "Sector 1's write was lost: it went into a page that is no longer reachable.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a sector with foreign or mixed bytes.")
@State
public class FirstWriteRace {
    private final Kernel kernel = new Kernel(2);
    private final MyBrd disk = RamDisk.disk(kernel, null);
    private final Page a = RamDisk.sectorFilledWith(0x11);
    private final Page b = RamDisk.sectorFilledWith(0x22);

    @Actor
    public void writerA() {
        kernel.runOn(0, "writer-a", () -> RamDisk.writeSector(disk, 0, a));
    }

    @Actor
    public void writerB() {
        kernel.runOn(1, "writer-b", () -> RamDisk.writeSector(disk, 1, b));
    }

    @Arbiter
    public void readBack(II_Result r) {
        // One bio reads both sectors back, into writer A's buffer, which is free again by now.
        kernel.runOn(0, "check", () -> RamDisk.readSectors(disk, 0, 2, a));
        r.r1 = RamDisk.uniformValue(a, 0);
        r.r2 = RamDisk.uniformValue(a, 1);
    }
}
