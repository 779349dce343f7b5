package dev.mybrd.lincheck.ramdisk;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * A 4 KiB write and read that span two pages, with single-sector writes beside them. brd copies
 * such a segment one page at a time, so the bio is not atomic: a read between the two copies returns
 * half new and half old data. Against {@link RamDiskSpec}, which treats the bio as one step, the
 * model checker must find that torn read; it is the documented granularity, not a defect.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "sector", gen = IntGen.class, conf = "0:15")
@Param(name = "pattern", gen = IntGen.class, conf = "1:3")
public class TwoPageRamDisk extends RamDiskOps {
    @Operation
    public int writeAcross(@Param(name = "cpu") int cpu, @Param(name = "pattern") int pattern) {
        return writeAcrossPages(cpu, pattern);
    }

    @Operation
    public int readAcross(@Param(name = "cpu") int cpu) {
        return readAcrossPages(cpu);
    }

    @Operation
    public int write(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector,
                     @Param(name = "pattern") int pattern) {
        return writeSector(cpu, sector, pattern);
    }
}
