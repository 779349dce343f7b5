package dev.mybrd.lincheck.mqrq;

import dev.mybrd.mqrq.BlkMqDispatchWait;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-02: a hctx of one null_blk device fails to get the driver tag that the devices share (depth 1),
 * while the other device's request completes and frees it. Whatever the order, the hctx's request
 * must end up issued, or a queue run or tag wake-up must still be coming;
 * {@link #requestIssuedOrRunPending} fails when the request sits on {@code hctx->dispatch} with
 * nothing left to run the queue (the I/O hang of the commit).
 */
public abstract class SharedTagRerun {
    private final BlkMqDispatchWait hctx = new BlkMqDispatchWait(variant());

    protected abstract BlkMqDispatchWait.Variant variant();

    /** The hctx's run, on CPU 0: {@code blk_mq_dispatch_rq_list} with one request. */
    @Operation
    public void dispatch() {
        hctx.dispatch();
    }

    /** The other device's completion, on CPU 1: the shared tag is freed. */
    @Operation
    public void otherDeviceCompletes() {
        hctx.otherDeviceCompletes();
    }

    @Validate
    public void requestIssuedOrRunPending() {
        String why = hctx.stuck();
        if (why != null) {
            throw new IllegalStateException(why);
        }
    }

    /** Before eb619fdb2d4c. */
    public static class TagWaitingBit extends SharedTagRerun {
        @Override
        protected BlkMqDispatchWait.Variant variant() {
            return BlkMqDispatchWait.Variant.TAG_WAITING_BIT;
        }
    }

    /** eb619fdb2d4c. */
    public static class RerunIfWaitGone extends SharedTagRerun {
        @Override
        protected BlkMqDispatchWait.Variant variant() {
            return BlkMqDispatchWait.Variant.RERUN_IF_WAIT_GONE;
        }
    }
}
