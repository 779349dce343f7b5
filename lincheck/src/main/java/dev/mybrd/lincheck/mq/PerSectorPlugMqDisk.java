package dev.mybrd.lincheck.mq;

import dev.mybrd.driver.Bug;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.lincheck.ramdisk.RamDiskSpec;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Per-sector linearizability of mq-mode mybrd with a plugged job (P3/P1 through blk-mq's plug): two
 * hardware queues, so {@code blk_mq_make_request}'s limited plug keeps the job's newer request and
 * issues the older one directly, and {@code blk_finish_plug} flushes the newer one through
 * {@code blk_mq_flush_plug_list}. {@code plugWrite} writes {@code sector} and a scratch sector
 * ({@code 15 - sector}, never read) under one plug. (BUSY on the direct path is covered by the
 * {@code plug-exactly-once-2hw-busy} scenario: under model checking it costs several times more.)
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "sector", gen = IntGen.class, conf = "0:7")
@Param(name = "pattern", gen = IntGen.class, conf = "1:3")
public class PerSectorPlugMqDisk extends MqDiskOps {
    @Override
    protected MyBrd.Config config() {
        return super.config().withSubmitQueues(2);
    }

    @Operation
    public int write(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector,
                     @Param(name = "pattern") int pattern) {
        return writeSector(cpu, sector, pattern);
    }

    @Operation
    public int plugWrite(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector,
                         @Param(name = "pattern") int pattern) {
        return plugWriteSector(cpu, sector, 15 - sector, pattern);
    }

    @Operation
    public int read(@Param(name = "cpu") int cpu, @Param(name = "sector") int sector) {
        return readSector(cpu, sector);
    }

    /** The ramdisk specification, with {@code plugWrite} writing its one checked sector. */
    public static class Spec extends RamDiskSpec {
        public int plugWrite(int cpu, int sector, int pattern) {
            return write(cpu, sector, pattern);
        }
    }

    /** {@link Bug#FLUSH_PLUG_LOSES_LAST_BATCH}: the flushed request never reaches its ctx; its bio never ends. */
    public static class SeededFlushLosesLastBatch extends PerSectorPlugMqDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.FLUSH_PLUG_LOSES_LAST_BATCH);
        }
    }
}
