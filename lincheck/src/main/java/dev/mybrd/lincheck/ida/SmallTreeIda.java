package dev.mybrd.lincheck.ida;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdrGeometry;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * P23 on a reduced tree: the v4.4 code with {@link #GEOMETRY} (4 slots per layer, 2 ids per leaf,
 * ids below 256), so that the few ids of a Lincheck scenario already fill leaves (full marks set and
 * cleared), install and free leaf bitmaps (the spare bitmap recycled), and, for starts of 8 and
 * more, grow the tree by a layer and shrink it again.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "start", gen = IntGen.class, conf = "0:9")
@Param(name = "end", gen = IntGen.class, conf = "0:10")
@Param(name = "id", gen = IntGen.class, conf = "0:9")
public class SmallTreeIda extends IdaOps {
    /** {@code IDR_BITS} 2, {@code IDA_BITMAP_BITS} 2, {@code MAX_IDR_SHIFT} 8. */
    public static final IdrGeometry GEOMETRY = IdrGeometry.small(2, 2, 8);

    @Override
    protected Ida.Config config() {
        return super.config().withGeometry(GEOMETRY);
    }

    @Operation
    public int get(@Param(name = "cpu") int cpu, @Param(name = "start") int start, @Param(name = "end") int end) {
        return simpleGet(cpu, start, end);
    }

    @Operation
    public int remove(@Param(name = "cpu") int cpu, @Param(name = "id") int id) {
        return simpleRemove(cpu, id);
    }
}
