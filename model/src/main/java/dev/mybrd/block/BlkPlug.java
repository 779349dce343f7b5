package dev.mybrd.block;

import dev.mybrd.blkmq.BlkMqPlug;
import dev.mybrd.blkmq.BlkMqRequest;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Per-task plugging ({@code struct blk_plug}, {@code blk_start_plug}, {@code blk_finish_plug},
 * {@code blk_flush_plug_list}; {@code block/blk-core.c}, v4.4): {@code plug->list} for legacy
 * requests and {@code plug->mq_list} for blk-mq requests, whose flush is blk-mq's
 * ({@link BlkMqPlug#flushPlugList}, {@code blk_mq_flush_plug_list}); {@code blk_flush_plug_list}
 * flushes {@code mq_list} first, then {@code list}.
 *
 * <p>While a task holds a plug, {@code blk_queue_bio} puts its new requests on the plug list instead
 * of the queue; bios may merge into them there without any lock, as only the owner touches the plug.
 * The list goes to the queues ({@code ELEVATOR_INSERT_SORT_MERGE}, each queue's batch under one
 * {@code queue_lock} hold with IRQs saved once) when: the task calls {@link #finish}; a new request
 * would be the 17th ({@code BLK_MAX_REQUEST_COUNT} = 16 already plugged); or the task is about to
 * sleep ({@code sched_submit_work} → {@code blk_schedule_flush_plug}, hooked into the model's
 * {@code schedule()}), in which case the queue is run by kblockd rather than on this stack. A task
 * never sleeps on a resource its own plugged requests hold (P29). Nested plugs are ignored.
 */
public final class BlkPlug {
    /** {@code BLK_MAX_REQUEST_COUNT}. */
    public static final int BLK_MAX_REQUEST_COUNT = 16;
    /** Marks a machine whose {@code schedule()} flushes plugs. */
    private static final class Hook {
    }

    final List<Request> list = new ArrayList<>();
    /** {@code plug->mq_list}: blk-mq requests, appended and flushed by {@link BlkMqPlug} only. */
    private final List<BlkMqRequest> mqList = new ArrayList<>();

    private BlkPlug() {
    }

    /** {@code blk_start_plug(plug)} for the current task; returns the plug now in force. */
    public static BlkPlug start(Kernel kernel) {
        hook(kernel);
        Task tsk = kernel.current();
        if (tsk.plug() instanceof BlkPlug p) {
            return p; // nested: the outermost plug stays
        }
        BlkPlug plug = new BlkPlug();
        tsk.setPlug(plug);
        return plug;
    }

    /** {@code blk_finish_plug(plug)}: flushes and removes it if it is the task's plug. */
    public static void finish(Kernel kernel, BlkPlug plug) {
        Task tsk = kernel.current();
        if (tsk.plug() != plug) {
            return;
        }
        flushPlugList(kernel, plug, false);
        tsk.setPlug(null);
    }

    /** {@code current->plug}, or null. */
    static BlkPlug current(Kernel kernel) {
        return kernel.current().plug() instanceof BlkPlug p ? p : null;
    }

    /** {@code current->plug} for code outside the block package (blk-mq), or null. */
    public static BlkPlug currentPlug(Kernel kernel) {
        return current(kernel);
    }

    /** Requests plugged now, legacy and blk-mq. */
    public int size() {
        return list.size() + mqList.size();
    }

    /** {@code plug->mq_list}, for {@link BlkMqPlug}: only the owning task may touch it. */
    public List<BlkMqRequest> mqList() {
        return mqList;
    }

    /**
     * Installs {@code blk_schedule_flush_plug} in the machine's {@code sched_submit_work} (once per
     * machine). A driver whose own {@code sched_submit_work} step lets workers run (mq-mode mybrd)
     * installs this first, so that what the flush queues can run before the task sleeps.
     */
    public static void hook(Kernel kernel) {
        kernel.subsystem(Hook.class, k -> {
            k.addSchedSubmitWork(tsk -> {
                if (tsk.plug() instanceof BlkPlug p && needsFlushPlug(p)) {
                    flushPlugList(k, p, true); // blk_schedule_flush_plug
                }
            });
            return new Hook();
        });
    }

    /** {@code blk_needs_flush_plug(tsk)}: something on {@code list} or {@code mq_list}. */
    private static boolean needsFlushPlug(BlkPlug p) {
        return !p.list.isEmpty() || BlkMqPlug.needsFlush(p);
    }

    /** {@code blk_flush_plug_list(plug, from_schedule)}: {@code mq_list} first, then {@code list}. */
    public static void flushPlugList(Kernel kernel, BlkPlug plug, boolean fromSchedule) {
        if (!plug.mqList.isEmpty()) {
            BlkMqPlug.flushPlugList(kernel, plug, fromSchedule);
        }
        if (plug.list.isEmpty()) {
            return;
        }
        List<Request> batch = new ArrayList<>(plug.list);
        plug.list.clear();
        batch.sort(Comparator.comparingInt((Request r) -> System.identityHashCode(r.q)).thenComparingLong(r -> r.sector));
        RequestQueue q = null;
        int depth = 0;
        boolean flags = kernel.localIrqSave();
        for (Request rq : batch) {
            rq.where = Request.Where.NONE;
            if (rq.q != q) {
                if (q != null) {
                    queueUnplugged(q, depth, fromSchedule);
                }
                q = rq.q;
                depth = 0;
                q.queueLock.lock();
            }
            if (q.dying) {
                BlkEnd.blkEndRequestAllLocked(rq, Errno.ENODEV.negative());
                continue;
            }
            q.elevator.elvAddSorted(rq, true);
            depth++;
        }
        if (q != null) {
            queueUnplugged(q, depth, fromSchedule);
        }
        kernel.localIrqRestore(flags);
    }

    /** {@code queue_unplugged(q, depth, from_schedule)}: run the queue, then drop its lock. */
    private static void queueUnplugged(RequestQueue q, int depth, boolean fromSchedule) {
        if (fromSchedule) {
            BlkDispatch.blkRunQueueAsync(q);
        } else {
            BlkDispatch.blkRunQueueLocked(q);
        }
        q.queueLock.unlock();
    }
}
