package dev.mybrd.lincheck.ida;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * P23 on the v4.4 IDA: {@code ida_simple_get} and {@code ida_simple_remove} are linearizable
 * against {@link IdaSpec}. Starts 0 to 2, ends 0 (no limit) to 3 and ids 0 to 3 keep callers on the
 * same few ids, so two gets contend for one id, a get races the remove that frees the id it wants,
 * and {@code -ENOSPC} and the WARN of a double remove both occur.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "start", gen = IntGen.class, conf = "0:2")
@Param(name = "end", gen = IntGen.class, conf = "0:3")
@Param(name = "id", gen = IntGen.class, conf = "0:3")
public class IdaGetRemove extends IdaOps {
    @Operation
    public int get(@Param(name = "cpu") int cpu, @Param(name = "start") int start, @Param(name = "end") int end) {
        return simpleGet(cpu, start, end);
    }

    @Operation
    public int remove(@Param(name = "cpu") int cpu, @Param(name = "id") int id) {
        return simpleRemove(cpu, id);
    }
}
