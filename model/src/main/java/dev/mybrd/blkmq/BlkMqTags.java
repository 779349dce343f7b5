package dev.mybrd.blkmq;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * {@code struct blk_mq_tags} of v4.4 ({@code block/blk-mq-tag.[ch]}): the tag space of one hardware
 * queue. Spec 3.10.
 *
 * <p><b>State.</b> {@code nr_tags} tags, the first {@code nr_reserved_tags} of them reserved (for
 * requests a driver must be able to issue even when the queue is full). Reserved tags are
 * {@code [0, nr_reserved)} and live in {@code breserved_tags}; normal tags are
 * {@code [nr_reserved, nr_tags)} and bit {@code b} of {@code bitmap_tags} is tag
 * {@code b + nr_reserved}. {@code rqs[tag]} is the request preallocated for each tag
 * ({@code blk_mq_init_rq_map}); here any object. {@code active_queues} counts the request queues
 * that share this map and are busy ({@link HctxTagState}). {@code alloc_policy} is FIFO or RR.
 *
 * <p><b>Operations here</b>: {@code blk_mq_init_tags} (the constructor), {@code blk_mq_tag_wakeup_all},
 * {@code blk_mq_tag_update_depth}, {@code blk_mq_all_tag_busy_iter}, {@code blk_mq_has_free_tags},
 * {@code blk_mq_tag_init_last_tag}, {@code blk_mq_tag_sysfs_show}. Getting and putting a tag
 * ({@code blk_mq_get_tag}, {@code bt_get}, {@code blk_mq_put_tag}) go through a hardware and a
 * software queue context and are in {@link BlkMqTagAlloc}.
 *
 * <p><b>Invariants.</b> (T1) a normal tag {@code t} is owned iff bit {@code t - nr_reserved} of
 * {@code bitmap_tags} is set, a reserved one iff its bit of {@code breserved_tags} is; (T2) normal
 * allocations return only {@code [nr_reserved, nr_tags)} and reserved ones only
 * {@code [0, nr_reserved)}; (T3) {@code rqs[tag]} is the request of that tag.
 *
 * <p><b>Bad input.</b> A depth of 0 or more than {@link #BLK_MQ_MAX_DEPTH}, or fewer than
 * {@code reserved + 1} tags, is refused with {@code IllegalArgumentException} ({@code -EINVAL} of
 * {@code blk_mq_alloc_tag_set}; v4.4 clamps a depth above the maximum with a message instead, the model
 * refuses it). {@code blk_mq_tag_update_depth} returns {@code -EINVAL} and changes nothing for a depth it
 * cannot honour. Tag numbers outside the map, and putting a tag that is not held, are
 * {@link dev.mybrd.kernel.KernelBug}s ({@link BlkMqTagAlloc#putTag}).
 */
public final class BlkMqTags {
    /** {@code BLK_MQ_MAX_DEPTH}: the deepest tag set {@code blk_mq_alloc_tag_set} accepts. */
    public static final int BLK_MQ_MAX_DEPTH = 10240;
    /** {@code BLK_MQ_TAG_MIN}: normal tags a set must have besides its reserved ones. */
    public static final int BLK_MQ_TAG_MIN = 1;
    /** {@code BLK_MQ_TAG_FAIL} ({@code -1U}): no tag. */
    public static final int BLK_MQ_TAG_FAIL = -1;

    private static final VarHandle ACTIVE_QUEUES;
    private static final VarHandle RQS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            ACTIVE_QUEUES = MethodHandles.lookup().findVarHandle(BlkMqTags.class, "activeQueues", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final int nrTags;
    private final int nrReservedTags;
    private final AllocPolicy allocPolicy;
    private final BlkMqBitmapTags bitmapTags;
    private final BlkMqBitmapTags breservedTags;
    private final Object[] rqs;
    private final Set<TagBug> bugs;
    private volatile MigrationWake migrationWake = MigrationWake.V4_4;
    @SuppressWarnings("unused") private int activeQueues;

    /**
     * What {@code bt_get} does for the map it slept on when, woken up on a CPU of another hardware
     * queue, it goes on with that queue's map (KR-03). A wake-up of a batch ({@code wake_cnt} frees)
     * woke this task; the task leaves, so the wake-up is spent on a waiter that will take no tag of
     * this map. If the frees of that map were its last (no request of it left in flight), the
     * waiters still queued on it sleep with free tags and nothing will wake them. Selected per tag
     * map ({@link #withMigrationWake}; a tag set selects it for all its maps); v4.4's by default.
     */
    public enum MigrationWake {
        /** v4.4 (and the kernels up to v4.17): the old map's wait state is left and nothing else. */
        V4_4,
        /**
         * e6fc46498784 "blk-mq: avoid starving tag allocation after allocating process migrates"
         * (Ming Lei, 2018, v4.18): {@code blk_mq_get_tag} remembers the map it slept on
         * ({@code bt_prev}) and, if the re-picked map is another one, calls
         * {@code sbitmap_queue_wake_up(bt_prev)}: the wake-up of a free on the old map, without a free,
         * which passes the spent wake-up on to the next waiter there. On v4.4's structures that is the
         * wake half of {@code bt_clear_tag} ({@link BlkMqBitmapTags#btWakeUp}).
         */
        WAKE_PREVIOUS
    }

    /** {@code blk_mq_init_tags(total, reserved, node, FIFO)} with no seeded bug. */
    public BlkMqTags(Kernel kernel, int totalTags, int reservedTags) {
        this(kernel, totalTags, reservedTags, AllocPolicy.FIFO, Set.of());
    }

    /**
     * {@code blk_mq_init_tags(total_tags, reserved_tags, node, alloc_policy)}: both bitmaps with their
     * wait states, empty; {@code rqs[]} empty until {@link #setRq}. {@code bugs} switches seeded bugs on.
     */
    public BlkMqTags(Kernel kernel, int totalTags, int reservedTags, AllocPolicy allocPolicy, Set<TagBug> bugs) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.allocPolicy = Objects.requireNonNull(allocPolicy, "alloc_policy");
        this.bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
        if (totalTags < 1 || totalTags > BLK_MQ_MAX_DEPTH) {
            throw new IllegalArgumentException("-EINVAL: queue_depth " + totalTags + " outside 1.." + BLK_MQ_MAX_DEPTH);
        }
        if (reservedTags < 0 || totalTags < reservedTags + BLK_MQ_TAG_MIN) {
            throw new IllegalArgumentException("-EINVAL: " + reservedTags + " reserved tags need a queue_depth of at least "
                    + (Math.max(reservedTags, 0) + BLK_MQ_TAG_MIN) + ", got " + totalTags);
        }
        this.nrTags = totalTags;
        this.nrReservedTags = reservedTags;
        boolean nonAtomic = this.bugs.contains(TagBug.NONATOMIC_TEST_AND_SET);
        boolean noBarrier = this.bugs.contains(TagBug.CLEAR_TAG_NO_BARRIER);
        this.bitmapTags = new BlkMqBitmapTags(kernel, "bitmap_tags", totalTags - reservedTags, nonAtomic, noBarrier);
        this.breservedTags = new BlkMqBitmapTags(kernel, "breserved_tags", reservedTags, nonAtomic, noBarrier);
        this.rqs = new Object[totalTags];
    }

    public Kernel kernel() {
        return kernel;
    }

    /** {@code tags->nr_tags}. */
    public int nrTags() {
        return nrTags;
    }

    /** {@code tags->nr_reserved_tags}. */
    public int nrReservedTags() {
        return nrReservedTags;
    }

    /** {@code tags->alloc_policy}. */
    public AllocPolicy allocPolicy() {
        return allocPolicy;
    }

    /** {@code &tags->bitmap_tags}. */
    public BlkMqBitmapTags bitmapTags() {
        return bitmapTags;
    }

    /** {@code &tags->breserved_tags}. */
    public BlkMqBitmapTags breservedTags() {
        return breservedTags;
    }

    boolean bug(TagBug bug) {
        return bugs.contains(bug);
    }

    /** Selects what {@code bt_get} does for this map when a sleeper leaves it for another ({@link MigrationWake}). */
    public BlkMqTags withMigrationWake(MigrationWake variant) {
        if (variant == null) {
            throw new IllegalArgumentException("-EINVAL: no migration wake-up variant");
        }
        this.migrationWake = variant;
        return this;
    }

    /** The {@link MigrationWake} variant of this map. */
    public MigrationWake migrationWake() {
        return migrationWake;
    }

    // ---- requests ------------------------------------------------------------------------------------

    /** {@code blk_mq_tag_to_rq(tags, tag)}: {@code tags->rqs[tag]}. */
    public Object tagToRq(int tag) {
        checkTagNumber(tag);
        return RQS.getOpaque(rqs, tag);
    }

    /** {@code tags->rqs[tag] = rq} ({@code blk_mq_init_rq_map}, {@code blk_mq_tag_set_rq}). */
    public void setRq(int tag, Object rq) {
        checkTagNumber(tag);
        RQS.setOpaque(rqs, tag, rq);
    }

    private void checkTagNumber(int tag) {
        if (tag < 0 || tag >= nrTags) {
            throw new IllegalArgumentException("tag " + tag + " outside 0.." + (nrTags - 1));
        }
    }

    // ---- shared tags ---------------------------------------------------------------------------------

    /** {@code atomic_read(&tags->active_queues)}. */
    public int activeQueues() {
        return (int) ACTIVE_QUEUES.getOpaque(this);
    }

    void activeQueuesInc() {
        ACTIVE_QUEUES.getAndAddRelease(this, 1); // atomic_inc: atomic, unordered
    }

    void activeQueuesDec() {
        ACTIVE_QUEUES.getAndAddRelease(this, -1);
    }

    // ---- wake-ups and depth --------------------------------------------------------------------------

    /**
     * {@code blk_mq_tag_wakeup_all(tags, include_reserve)}: {@code smp_mb()} so that what the caller
     * changed (a new depth, an idle queue) is visible before the lockless {@code waitqueue_active}
     * loads (KR-01's fix), then wake every wait state of the normal map that has sleepers, from
     * {@code wake_index} round, and the reserved map's {@code bs[0]} if asked.
     */
    public void wakeupAll(boolean includeReserve) {
        if (!bug(TagBug.WAKEUP_ALL_NO_BARRIER)) {
            VarHandle.fullFence(); // smp_mb()
        }
        int wakeIndex = bitmapTags.wakeIndex();
        for (int i = 0; i < BlkMqBitmapTags.BT_WAIT_QUEUES; i++) {
            BtWaitState ws = bitmapTags.bs(wakeIndex);
            if (ws.waitQueue().waitqueueActive()) {
                ws.waitQueue().wakeUp();
            }
            wakeIndex = BlkMqBitmapTags.btIndexInc(wakeIndex);
        }
        if (includeReserve) {
            BtWaitState ws = breservedTags.bs(0);
            if (ws.waitQueue().waitqueueActive()) {
                ws.waitQueue().wakeUp();
            }
        }
    }

    /**
     * {@code blk_mq_tag_update_depth(tags, tdepth)}: the normal map gets {@code tdepth - nr_reserved}
     * tags ({@code bt_update_count}; the reserved map never changes), then every sleeper is woken to
     * look again. 0, or {@code -EINVAL} with nothing changed if the new normal depth is below
     * {@link #BLK_MQ_TAG_MIN} or above what the map was allocated for. (v4.4 compares with
     * {@code nr_tags} instead and lets a depth of exactly {@code nr_reserved} through; its caller,
     * {@code blk_mq_update_nr_requests}, never passes more than the set's depth, and sysfs never less
     * than {@code BLKDEV_MIN_RQ}, so the model's stricter test changes no reachable case.)
     */
    public int updateDepth(int tdepth) {
        long normal = (long) tdepth - nrReservedTags;
        if (normal < BLK_MQ_TAG_MIN || normal > bitmapTags.allocatedDepth()) {
            return Errno.EINVAL.negative();
        }
        bitmapTags.btUpdateCount((int) normal);
        if (!bug(TagBug.UPDATE_DEPTH_NO_WAKE)) {
            wakeupAll(false);
        }
        return 0;
    }

    /** {@code blk_mq_has_free_tags(tags)}: the normal map has a zero bit. */
    public boolean hasFreeTags() {
        return bitmapTags.hasFreeTags();
    }

    /**
     * {@code blk_mq_tag_init_last_tag(tags, &ctx->last_tag)}: a random starting hint, {@code
     * prandom_u32() % depth}, so that software queues start in different words.
     */
    public CtxLastTag initLastTag(int cpu, RandomGenerator random) {
        int depth = nrTags - nrReservedTags;
        return new CtxLastTag(cpu, Integer.remainderUnsigned(random.nextInt(), depth));
    }

    // ---- busy iteration ------------------------------------------------------------------------------

    /** A callback of the busy-tag walk: {@code busy_tag_iter_fn(rq, data, reserved)}, with the tag. */
    @FunctionalInterface
    public interface BusyTagIterFn {
        void busy(int tag, Object rq, boolean reserved);
    }

    /**
     * {@code blk_mq_all_tag_busy_iter(tags, fn, priv)}: {@code fn} for every set bit, reserved map
     * first, with {@code rqs[tag]}. Lockless, as in the kernel: a tag taken or freed during the walk
     * may or may not be reported, and a tag just taken may be reported before its request is set up
     * (spec T3; the timeout scan of v4.x guards with {@code REQ_ATOM_STARTED}).
     */
    public void busyIter(BusyTagIterFn fn) {
        Objects.requireNonNull(fn, "fn");
        if (nrReservedTags != 0) {
            breservedTags.btForEach(bit -> fn.busy(bit, RQS.getOpaque(rqs, bit), true));
        }
        bitmapTags.btForEach(bit -> fn.busy(bit + nrReservedTags, RQS.getOpaque(rqs, bit + nrReservedTags), false));
    }

    /** {@code blk_mq_tag_sysfs_show(tags, page)}: the {@code tags} file of a hardware queue. */
    public String sysfsShow() {
        return "nr_tags=" + nrTags + ", reserved_tags=" + nrReservedTags + ", bits_per_word="
                + bitmapTags.bitsPerWord() + "\n"
                + "nr_free=" + bitmapTags.unusedTags() + ", nr_reserved=" + breservedTags.unusedTags() + "\n"
                + "active_queues=" + activeQueues() + "\n";
    }

    @Override
    public String toString() {
        return "tags{nr_tags=" + nrTags + ", reserved=" + nrReservedTags + ", " + allocPolicy + ", " + bitmapTags
                + (nrReservedTags == 0 ? "" : ", " + breservedTags) + "}";
    }
}
