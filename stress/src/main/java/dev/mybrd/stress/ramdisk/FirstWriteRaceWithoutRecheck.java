package dev.mybrd.stress.ramdisk;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug INSERT_WITHOUT_RECHECK: the insert takes mybrd_lock but overwrites the slot instead of
 * answering -EEXIST. A writer whose lookup found no page replaces the page the other writer
 * inserted, and possibly already wrote, with a fresh zeroed one.
 *
 * Same actors and outcome specification as FirstWriteRace (read it first); only the device
 * configuration differs. The lost write is still FORBIDDEN: this check is expected to observe it,
 * which proves that FirstWriteRace would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t '\.FirstWriteRaceWithoutRecheck$' -m quick
 */
@JCStressTest
@StressCheck(chapter = "ramdisk", property = "P4 first writers share one page", seeded = "INSERT_WITHOUT_RECHECK")
@Outcome(id = "17, 34", expect = ACCEPTABLE, desc = "Both writes landed in the one page that was inserted.")
@Outcome(id = "0, 34", expect = FORBIDDEN, desc = "Sector 0's write was lost: it went into a page that is no longer reachable.")
@Outcome(id = "17, 0", expect = FORBIDDEN, desc = "Sector 1's write was lost: it went into a page that is no longer reachable.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: a sector with foreign or mixed bytes.")
@State
public class FirstWriteRaceWithoutRecheck {
    private final Kernel kernel = new Kernel(2);
    private final MyBrd disk = RamDisk.disk(kernel, Bug.INSERT_WITHOUT_RECHECK);
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
