package dev.mybrd.lincheck.ramdisk;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Per-sector linearizability of the bio-mode RAM disk (properties P3, P4): single-sector writes and
 * reads and whole-page discards, on a two-page disk, against {@link RamDiskSpec}. Sixteen sectors
 * and three patterns make two writers race on the first write of a page often.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "sector", gen = IntGen.class, conf = "0:15")
@Param(name = "pattern", gen = IntGen.class, conf = "1:3")
@Param(name = "page", gen = IntGen.class, conf = "0:1")
public class PerSectorRamDisk extends RamDiskOps {
    @Operation
    public int write(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector,
                     @Param(name = "pattern") int pattern) {
        return writeSector(cpu, sector, pattern);
    }

    @Operation
    public int read(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector) {
        return readSector(cpu, sector);
    }

    @Operation
    public int discard(@Param(name = "cpu") int cpu, @Param(name = "page") int page) {
        return discardPage(cpu, page);
    }
}
