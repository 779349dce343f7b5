package dev.mybrd.lincheck.freeze;

import dev.mybrd.blkmq.BlkMqFreeze;
import dev.mybrd.kernel.Kernel;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;

/**
 * Two tasks freezing and unfreezing one queue, as a tag-set update and a queue cleanup do in
 * KR-18's report: each {@link #freezeCycle} is {@code blk_mq_freeze_queue} then
 * {@code blk_mq_unfreeze_queue}. Sequentially both cycles return; a run that hangs has found the
 * interleaving where an unfreeze revives the usage counter under a freezer's feet.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
public abstract class FreezeCycles {
    private final Kernel kernel = new Kernel(2);
    private final BlkMqFreeze queue = new BlkMqFreeze(kernel, "q", variant(), () -> { });

    protected abstract BlkMqFreeze.Variant variant();

    @Operation
    public int freezeCycle(@Param(name = "cpu") int cpu) {
        kernel.runOn(cpu % kernel.nrCpus(), "freezer", () -> {
            queue.freezeQueue();
            queue.unfreezeQueue();
        });
        return 0;
    }

    /** v4.4: depth by atomics, kill and reinit outside any lock. */
    public static class V44 extends FreezeCycles {
        @Override
        protected BlkMqFreeze.Variant variant() {
            return BlkMqFreeze.Variant.V4_4;
        }
    }

    /** 7996a8b5511a: depth, kill and resurrect under mq_freeze_lock. */
    public static class FreezeLock extends FreezeCycles {
        @Override
        protected BlkMqFreeze.Variant variant() {
            return BlkMqFreeze.Variant.FREEZE_LOCK;
        }
    }
}
