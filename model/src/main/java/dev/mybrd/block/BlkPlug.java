package dev.mybrd.block;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Per-task plugging ({@code struct blk_plug}, {@code blk_start_plug}, {@code blk_finish_plug},
 * {@code blk_flush_plug_list}; {@code block/blk-core.c}, v4.4), legacy requests only.
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

    /** Requests plugged now. */
    public int size() {
        return list.size();
    }

    private static void hook(Kernel kernel) {
        kernel.subsystem(Hook.class, k -> {
            k.addSchedSubmitWork(tsk -> {
                if (tsk.plug() instanceof BlkPlug p && !p.list.isEmpty()) {
                    flushPlugList(k, p, true); // blk_schedule_flush_plug
                }
            });
            return new Hook();
        });
    }

    /** {@code blk_flush_plug_list(plug, from_schedule)}. */
    static void flushPlugList(Kernel kernel, BlkPlug plug, boolean fromSchedule) {
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
