package dev.mybrd.lincheck.requestmode;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Per-sector linearizability of mybrd in request-mode with inline completion (P3, P4 through the
 * legacy queue; P1 as every bio must end exactly once, which {@code Bio} enforces): single-sector
 * writes and reads and whole-page discards on a two-page disk, against the ramdisk chapter's
 * specification. Two contiguous writes from two CPUs may merge (P21).
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "sector", gen = IntGen.class, conf = "0:15")
@Param(name = "pattern", gen = IntGen.class, conf = "1:3")
@Param(name = "page", gen = IntGen.class, conf = "0:1")
public class PerSectorRqDisk extends RqDiskOps {
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
