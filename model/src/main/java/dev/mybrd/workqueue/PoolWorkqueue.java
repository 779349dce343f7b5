package dev.mybrd.workqueue;

import java.lang.invoke.VarHandle;

/**
 * {@code struct pool_workqueue}: the link between one workqueue and one worker pool, and the place
 * where {@code max_active} is enforced.
 *
 * <p>{@code nr_active} counts this pwq's work items that are on the pool's worklist or executing. An
 * item queued while {@code nr_active} has reached {@code max_active} waits on {@code delayed_works},
 * marked {@code DELAYED}, and is moved to the worklist when an active item finishes (invariant Q5:
 * {@code nr_active <= max_active}). Flush barriers carry {@code WORK_NO_COLOR} and count in neither.
 * {@code nr_in_flight[color]} counts items per flush colour; the model has no
 * {@code flush_workqueue}, so every item has colour 0. All fields are guarded by {@code pool->lock}.
 */
final class PoolWorkqueue {
    final int id;
    final Workqueue wq;
    final WorkerPool pool;
    final int workColor = 0;
    final int[] nrInFlight = new int[WorkStruct.WORK_NR_COLORS];
    int nrActive;
    final int maxActive;
    final WorkList delayedWorks;

    PoolWorkqueue(int id, Workqueue wq, WorkerPool pool, int maxActive) {
        this.id = id;
        this.wq = wq;
        this.pool = pool;
        this.maxActive = maxActive;
        this.delayedWorks = new WorkList(wq.name() + "/pwq" + pool.cpu + ".delayed_works");
    }

    /**
     * {@code insert_work}: the owner of {@code work} (PENDING set, pool lock held) points its data
     * at this pwq, links it into {@code list} before {@code before} (null: at the end), and wakes an
     * idle worker if work is waiting. The {@code smp_mb} pairs with a worker going to sleep.
     */
    void insertWork(WorkStruct work, WorkList list, WorkStruct before, long extraFlags) {
        work.setWorkPwq(id, extraFlags);
        list.addBefore(before, work);
        VarHandle.fullFence();
        if (pool.needMoreWorker()) {
            pool.wakeUpWorker();
        }
    }

    /** {@code pwq_activate_delayed_work}: to the pool's worklist, with any items linked to it. */
    void activateDelayedWork(WorkStruct work) {
        WorkList.moveLinkedWorks(work, pool.worklist);
        work.clearBitNonAtomic(WorkStruct.WORK_STRUCT_DELAYED);
        nrActive++;
    }

    /** {@code pwq_activate_first_delayed}. */
    void activateFirstDelayed() {
        activateDelayedWork(delayedWorks.first());
    }

    /**
     * {@code pwq_dec_nr_in_flight}: an item of colour {@code color} left the pwq (finished, or was
     * stolen by a canceler). Activates a delayed item if there is room.
     */
    void decNrInFlight(int color) {
        if (color == WorkStruct.WORK_NO_COLOR) {
            return;
        }
        nrInFlight[color]--;
        nrActive--;
        if (!delayedWorks.isEmpty() && nrActive < maxActive) {
            activateFirstDelayed();
        }
        if (nrActive == 0 && delayedWorks.isEmpty()) {
            wq.pwqIdle();
        }
    }

    /** The drained test of {@code drain_workqueue}, under the pool lock. */
    boolean drained() {
        return nrActive == 0 && delayedWorks.isEmpty();
    }

    @Override
    public String toString() {
        return wq.name() + "/" + pool;
    }
}
