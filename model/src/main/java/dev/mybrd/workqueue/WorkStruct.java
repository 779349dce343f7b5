package dev.mybrd.workqueue;

import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct work_struct} ({@code include/linux/workqueue.h}): a function to run later in process
 * context, and the one word of state that says where the work item is.
 *
 * <p><b>The data word.</b> {@code work->data} is an {@code atomic_long_t} with the v4.4 layout. The
 * low {@link #WORK_STRUCT_FLAG_BITS} bits are flags: {@code PENDING} (bit 0), {@code DELAYED} (on a
 * pwq's {@code delayed_works}, over {@code max_active}), {@code PWQ} (the high bits name a
 * {@code pool_workqueue}), {@code LINKED} (the next item on the list must move with this one: a
 * flush barrier) and a four-bit flush colour. While the work is queued, {@code PWQ} is set and the
 * high bits point to the pwq; once a worker takes it, the high bits hold the id of the pool it last
 * ran on ({@code WORK_OFFQ_POOL_SHIFT}), which is how {@code queue_work} and {@code flush_work} find
 * an execution that is still running. The kernel stores a pwq pointer aligned to 256 bytes; the
 * model stores the pwq's id in the same bits and looks it up in {@link Workqueues}.
 *
 * <p><b>PENDING is ownership.</b> Whoever turns PENDING from 0 to 1 ({@code test_and_set_bit}, fully
 * ordered) owns the work item and is the only one to queue it; everybody else gets false from
 * {@code queue_work}, their request being covered by the pending execution. The worker clears
 * PENDING just before it calls the function ({@link #setWorkPoolAndClearPending}), so a queue_work
 * during the execution queues it again. Every other update of the word is made by the owner, with
 * {@code atomic_long_set} ({@code WRITE_ONCE}).
 *
 * <p>{@code entry}, the list the work is on (null when the kernel's {@code list_empty(&work->entry)}),
 * is guarded by the lock of the pool whose list it is.
 */
public class WorkStruct {
    static final int WORK_STRUCT_PENDING_BIT = 0;
    static final int WORK_STRUCT_DELAYED_BIT = 1;
    static final int WORK_STRUCT_PWQ_BIT = 2;
    static final int WORK_STRUCT_LINKED_BIT = 3;
    static final int WORK_STRUCT_COLOR_SHIFT = 4;
    static final int WORK_STRUCT_COLOR_BITS = 4;

    static final long WORK_STRUCT_PENDING = 1L << WORK_STRUCT_PENDING_BIT;
    static final long WORK_STRUCT_DELAYED = 1L << WORK_STRUCT_DELAYED_BIT;
    static final long WORK_STRUCT_PWQ = 1L << WORK_STRUCT_PWQ_BIT;
    static final long WORK_STRUCT_LINKED = 1L << WORK_STRUCT_LINKED_BIT;

    /** Colours 0..14 take part in flushing; 15 is a barrier's, which takes part in nothing. */
    static final int WORK_NR_COLORS = (1 << WORK_STRUCT_COLOR_BITS) - 1;
    static final int WORK_NO_COLOR = WORK_NR_COLORS;

    static final int WORK_STRUCT_FLAG_BITS = WORK_STRUCT_COLOR_SHIFT + WORK_STRUCT_COLOR_BITS;
    static final long WORK_STRUCT_FLAG_MASK = (1L << WORK_STRUCT_FLAG_BITS) - 1;

    static final int WORK_OFFQ_FLAG_BASE = WORK_STRUCT_COLOR_SHIFT;
    static final long WORK_OFFQ_CANCELING = 1L << WORK_OFFQ_FLAG_BASE;
    static final int WORK_OFFQ_POOL_SHIFT = WORK_OFFQ_FLAG_BASE + 1;
    static final int WORK_OFFQ_POOL_BITS = 31;
    static final long WORK_OFFQ_POOL_NONE = (1L << WORK_OFFQ_POOL_BITS) - 1;
    static final long WORK_STRUCT_NO_POOL = WORK_OFFQ_POOL_NONE << WORK_OFFQ_POOL_SHIFT;

    private static final VarHandle DATA;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DATA = l.findVarHandle(WorkStruct.class, "data", long.class);
            OWNER = l.findVarHandle(WorkStruct.class, "owner", Workqueues.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final WorkFunc func;
    @SuppressWarnings("unused") private volatile long data;
    /** The list the work is on, or null; guarded by that list's pool lock. */
    WorkList entry;
    /** The list neighbour links of {@code entry}; guarded like it. */
    WorkStruct prev;
    WorkStruct next;
    /** The workqueue subsystem this work was first queued in; a work item belongs to one machine. */
    @SuppressWarnings("unused") private volatile Workqueues owner;

    /**
     * {@code INIT_WORK(work, func)}: an idle work item, on no list, associated with no pool.
     *
     * @param name what messages call it (the kernel prints the function's symbol)
     * @param func the function to run
     */
    public WorkStruct(String name, WorkFunc func) {
        if (name == null || func == null) {
            throw new IllegalArgumentException("INIT_WORK needs a name and a function");
        }
        this.name = name;
        this.func = func;
        DATA.setOpaque(this, WORK_STRUCT_NO_POOL);
    }

    /** The work's name. */
    public String name() {
        return name;
    }

    /** {@code work->func}. */
    public WorkFunc func() {
        return func;
    }

    /** {@code work_pending(work)}: PENDING is set (queued, or its timer armed, or being queued). */
    public boolean workPending() {
        return (data() & WORK_STRUCT_PENDING) != 0;
    }

    /** Whether the work is on a list: a worklist, a pwq's delayed_works or a worker's scheduled list. */
    public boolean isQueued() {
        return entry != null;
    }

    /** {@code atomic_long_read(&work->data)}: READ_ONCE. */
    long data() {
        return (long) DATA.getOpaque(this);
    }

    /** {@code test_and_set_bit(WORK_STRUCT_PENDING_BIT, ...)}: fully ordered; true if it was set. */
    boolean testAndSetPending() {
        return (atomicOr(WORK_STRUCT_PENDING) & WORK_STRUCT_PENDING) != 0;
    }

    /**
     * An atomic, fully ordered OR that returns the old word. x86 does it with {@code lock bts}; the
     * model uses a compareAndSet loop (the generic cmpxchg-based bitops) rather than
     * {@code getAndBitwiseOr}, because Lincheck 3.7's model checker does not treat
     * {@code getAndBitwiseOr} as a shared-memory step and would never switch threads around it.
     */
    private long atomicOr(long bits) {
        while (true) {
            long old = (long) DATA.getVolatile(this);
            // Even when the bits are already set the CAS is done: it is the full barrier.
            if (DATA.compareAndSet(this, old, old | bits)) {
                return old;
            }
        }
    }

    /** {@code test_bit(WORK_STRUCT_PENDING_BIT, ...)}: a plain READ_ONCE. */
    boolean testPendingBit() {
        return workPending();
    }

    /** {@code set_bit(WORK_STRUCT_PENDING_BIT, ...)}: atomic, not a test. */
    void setPendingBit() {
        atomicOr(WORK_STRUCT_PENDING);
    }

    /** {@code __set_bit}: non-atomic; only the owner (PENDING set, pool lock held) does it. */
    void setBitNonAtomic(long bit) {
        DATA.set(this, (long) DATA.get(this) | bit);
    }

    /** {@code __clear_bit}: non-atomic, owner only. */
    void clearBitNonAtomic(long bit) {
        DATA.set(this, (long) DATA.get(this) & ~bit);
    }

    /** {@code set_work_data}: the owner's WRITE_ONCE of the whole word. */
    private void setWorkData(long value) {
        KernelBug.bugOn(!workPending(), () -> "set_work_data on " + name + " without owning PENDING");
        DATA.setOpaque(this, value);
    }

    /** {@code set_work_pwq}: queued on pwq {@code pwqId}: PENDING | PWQ | extra flags. */
    void setWorkPwq(int pwqId, long extraFlags) {
        setWorkData(((long) pwqId << WORK_STRUCT_FLAG_BITS) | WORK_STRUCT_PENDING | WORK_STRUCT_PWQ | extraFlags);
    }

    /** {@code set_work_pool_and_keep_pending}: off queue, last pool {@code poolId}, still owned. */
    void setWorkPoolAndKeepPending(int poolId) {
        setWorkData(((long) poolId << WORK_OFFQ_POOL_SHIFT) | WORK_STRUCT_PENDING);
    }

    /**
     * {@code set_work_pool_and_clear_pending}: off queue, last pool {@code poolId}, ownership given
     * up. The {@code smp_wmb} before it makes the owner's updates visible before the next owner's;
     * the {@code smp_mb} after it (346c09f80459) keeps the function's loads, which follow, from being
     * satisfied before the clear is visible. {@code fullBarrier} false is v4.4.0 as released.
     */
    void setWorkPoolAndClearPending(int poolId, boolean fullBarrier) {
        VarHandle.storeStoreFence();
        setWorkData((long) poolId << WORK_OFFQ_POOL_SHIFT);
        if (fullBarrier) {
            VarHandle.fullFence();
        }
    }

    /** {@code mark_work_canceling}: off queue, PENDING kept, CANCELING set for other cancelers. */
    void markWorkCanceling(int poolId) {
        setWorkData(((long) poolId << WORK_OFFQ_POOL_SHIFT) | WORK_OFFQ_CANCELING | WORK_STRUCT_PENDING);
    }

    /** {@code clear_work_data}: idle and associated with no pool, as after INIT_WORK. */
    void clearWorkData() {
        VarHandle.storeStoreFence();
        setWorkData(WORK_STRUCT_NO_POOL);
    }

    /** {@code work_is_canceling}. */
    boolean workIsCanceling() {
        long d = data();
        return (d & WORK_STRUCT_PWQ) == 0 && (d & WORK_OFFQ_CANCELING) != 0;
    }

    /** {@code get_work_color(work)}. */
    static int getWorkColor(long data) {
        return (int) (data >> WORK_STRUCT_COLOR_SHIFT) & ((1 << WORK_STRUCT_COLOR_BITS) - 1);
    }

    /** {@code work_color_to_flags(color)}. */
    static long workColorToFlags(int color) {
        return (long) color << WORK_STRUCT_COLOR_SHIFT;
    }

    /** Binds the work to {@code wqs} on first use; a work item cannot move between machines. */
    void bind(Workqueues wqs) {
        Workqueues cur = (Workqueues) OWNER.getAcquire(this);
        if (cur == wqs) {
            return;
        }
        if (cur != null || !OWNER.compareAndSet(this, (Workqueues) null, wqs)) {
            if ((Workqueues) OWNER.getAcquire(this) != wqs) {
                throw new IllegalArgumentException("work " + name + " belongs to another workqueue subsystem");
            }
        }
    }

    /** The subsystem it was first queued in, or null. */
    Workqueues owner() {
        return (Workqueues) OWNER.getAcquire(this);
    }

    @Override
    public String toString() {
        return name;
    }
}
