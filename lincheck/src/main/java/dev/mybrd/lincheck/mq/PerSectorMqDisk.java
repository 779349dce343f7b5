package dev.mybrd.lincheck.mq;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Per-sector linearizability of mybrd in mq-mode (P3, P4 through blk-mq; P1: every bio ends exactly
 * once, which {@code Bio} enforces), one hardware queue: single-sector writes and reads on a
 * two-page disk against the ramdisk chapter's specification. Two contiguous writes on one CPU's ctx
 * may merge; two CPUs' runs of the one hctx may overlap.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "sector", gen = IntGen.class, conf = "0:15")
@Param(name = "pattern", gen = IntGen.class, conf = "1:3")
public class PerSectorMqDisk extends MqDiskOps {
    @Operation
    public int write(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector,
                     @Param(name = "pattern") int pattern) {
        return writeSector(cpu, sector, pattern);
    }

    @Operation
    public int read(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector) {
        return readSector(cpu, sector);
    }
}
