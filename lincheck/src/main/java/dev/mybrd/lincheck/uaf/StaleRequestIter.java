package dev.mybrd.lincheck.uaf;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.mqlife.DriverTags;
import dev.mybrd.mqlife.Request;
import dev.mybrd.mqlife.RequestPool;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * KR-15: two queues share one driver tag. Queue A's request used it and completed, so
 * {@code rqs[0]} still points into A's request pool. Then, on three CPUs: queue A goes away and its
 * pool is freed ({@code blk_mq_free_rqs}); queue B's request takes the driver tag; and
 * {@code blk_mq_tagset_busy_iter} counts the started requests (as SCSI counts a host's busy
 * commands). Run one after the other, the count is 0 or 1; a run where the iterator oopses touched A's
 * freed request.
 */
public abstract class StaleRequestIter {
    private final Kernel kernel = new Kernel(3);
    private final DriverTags drvTags = new DriverTags(kernel, 1, variant());
    private final RequestPool poolA = new RequestPool("qA", 1);
    private final RequestPool poolB = new RequestPool("qB", 1);

    protected StaleRequestIter() {
        kernel.runOn(0, "setup", () -> {
            Request a = poolA.staticRq(0);
            a.init("blk_mq_rq_ctx_init");
            int tag = drvTags.getDriverTag(a);
            a.start("blk_mq_start_request");
            a.finish("blk_mq_free_request");
            drvTags.putDriverTag(tag);
            poolB.staticRq(0).init("blk_mq_rq_ctx_init");
        });
    }

    protected abstract DriverTags.Variant variant();

    /** Queue A is cleaned up (or switches elevator): {@code blk_mq_free_rqs} on its pool. */
    @Operation
    public int freeQueueA() {
        kernel.runOn(0, "rmmod", () -> poolA.freeRqs(drvTags));
        return 0;
    }

    /** Queue B dispatches its request: gets the driver tag and starts it; the tag. */
    @Operation
    public int dispatchB() {
        return kernel.runOn(1, "kworker", () -> {
            Request b = poolB.staticRq(0);
            int tag = drvTags.getDriverTag(b);
            b.start("blk_mq_start_request");
            return tag;
        });
    }

    /** {@code blk_mq_tagset_busy_iter} counting started requests; the count. */
    @Operation
    public int countBusy() {
        return kernel.runOn(2, "scsi_eh", () -> {
            int[] busy = {0};
            drvTags.busyIter(rq -> {
                if (rq.started("scsi_host_check_in_flight")) {
                    busy[0]++;
                }
            });
            return busy[0];
        });
    }

    /** Before bd63141d585b: the iterator's refcount_inc_not_zero reads a request that may be freed. */
    public static class RefWithoutClear extends StaleRequestIter {
        @Override
        protected DriverTags.Variant variant() {
            return DriverTags.Variant.REF_WITHOUT_CLEAR;
        }
    }

    /** bd63141d585b: stale rqs[] entries cleared, then tags->lock waited for, before the pool is freed. */
    public static class ClearStaleUnderLock extends StaleRequestIter {
        @Override
        protected DriverTags.Variant variant() {
            return DriverTags.Variant.CLEAR_STALE_UNDER_LOCK;
        }
    }
}
