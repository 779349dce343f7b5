package dev.mybrd.lincheck.kcsan;

import dev.mybrd.kcsan.Kcsan;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import dev.mybrd.mqcopy.MyBrdDevice;
import dev.mybrd.mqcopy.MyBrdQueueRq;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * MYBRD-08: {@code mybrd_queue_rq} on one CPU against the first write of page 64 (sector 512) on
 * another, whose {@code mybrd_insert_page} takes {@code mybrd_lock} and grows the page tree's root.
 * Both results are fixed (queue_rq prints queue depth 64; the insert stores page 64); the
 * validation fails when the KCSAN-like detector reported a data race.
 */
public abstract class QueueRqCopy {
    private final Kernel kernel = new Kernel(2);
    private final Kcsan kcsan = new Kcsan(kernel);
    private final MyBrdDevice mybrd = new MyBrdDevice(kernel, kcsan, 4);
    private final MyBrdQueueRq queueRq = new MyBrdQueueRq(mybrd, variant());

    protected abstract MyBrdQueueRq.Variant variant();

    /** The device access of {@code mybrd_queue_rq}: the queue depth it prints. */
    @Operation
    public int queueRq() {
        return kernel.runOn(0, "kworker/0:1H", queueRq::queueRq);
    }

    /** The first write to sector 512: {@code mybrd_insert_page}; the page's index. */
    @Operation
    public long insertPage() {
        return kernel.runOn(1, "dd", () -> {
            Page p = mybrd.insertPage(512);
            return p == null ? -1L : p.index();
        });
    }

    @Validate
    public void noDataRace() {
        if (!kcsan.reports().isEmpty()) {
            throw new IllegalStateException(String.join("\n", kcsan.reports()));
        }
    }

    /** mybrd master: {@code *mybrd = *(sw_queue->mybrd)}. */
    public static class CopyStruct extends QueueRqCopy {
        @Override
        protected MyBrdQueueRq.Variant variant() {
            return MyBrdQueueRq.Variant.COPY_STRUCT;
        }
    }

    /** The pointer {@code sw_queue->mybrd}, no copy. */
    public static class UsePointer extends QueueRqCopy {
        @Override
        protected MyBrdQueueRq.Variant variant() {
            return MyBrdQueueRq.Variant.USE_POINTER;
        }
    }
}
