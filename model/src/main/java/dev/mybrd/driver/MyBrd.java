package dev.mybrd.driver;

import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.blkmq.BlkMqTags;
import dev.mybrd.block.Bio;
import dev.mybrd.block.BioVec;
import dev.mybrd.block.BlkCore;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.Gendisk;
import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.QueueLimits;
import dev.mybrd.block.ReqOp;
import dev.mybrd.block.RequestQueue;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import dev.mybrd.rcu.Rcu;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The mybrd RAM disk: {@code struct mybrd_device} with its queue, gendisk, {@code mybrd_lock} and page
 * store; {@code mybrd_make_request_fn} in bio-mode ({@code queue_mode = MYBRD_Q_BIO}, the default), and
 * in request-mode ({@code MYBRD_Q_RQ}) {@code mybrd_queue_lock} and the legacy queue's callbacks, which
 * {@link MyBrdRequestMode} describes (irqmode none, softirq, timer; fault injection), and in mq-mode
 * ({@code MYBRD_Q_MQ}) its blk-mq tag set and {@code queue_rq}, which {@link MyBrdMqMode} describes.
 * In request- and mq-mode a bio may end after {@link #submitBio} returns; {@link #drain} waits for
 * quiescence, bounded.
 *
 * <p><b>Bio-mode.</b> The queue has no elevator, no requests and no queue lock: every submitter runs
 * {@link #makeRequest} in its own context, on its own CPU, concurrently with the others. For each
 * segment a write first makes sure its pages exist ({@code copy_to_brd_setup}), then copies in; a
 * read copies out, zeros where no page exists. The bio then ends, inline, with the first error met
 * or success. Discard zero-fills whole pages in place and needs a page-aligned range, as brd requires.
 *
 * <p><b>Where this differs from the mybrd code.</b> The default model is the corrected driver: where
 * mybrd's code has a defect (spec section 2.8) the model follows brd, and the defect is available
 * as a {@link Bug}. mybrd advertises discard but never handles it; the model handles it as brd does.
 *
 * <p><b>Statistics.</b> Every bio that reaches the driver is accounted as mybrd's ch02/ch03 code
 * does it: {@code generic_start_io_acct} on entry ({@code ios}, {@code sectors}, {@code in_flight}),
 * {@code bio_endio}, then {@code generic_end_io_acct} ({@code ticks}, {@code in_flight} back down),
 * into the disk's {@code part0} ({@link #stats()}, {@code /sys/block/mybrd/stat}). Discards count as
 * writes ({@code bio_data_dir}). mybrd's master branch removed these calls, so there the stat file
 * stays at zero; the model keeps ch03's accounting. Unlike ch03 the model also ends the accounting
 * when the bio fails; ch03's leak is {@link Bug#IN_FLIGHT_LEAK_ON_ERROR}. In request-mode and mq-mode
 * the block layer accounts requests instead ({@code blk_account_io_start}/{@code _done}, into the
 * same {@code part0}).
 *
 * <p><b>Atomicity.</b> A bio is not atomic: a segment spanning two pages is copied one page at a
 * time, and concurrent overlapping I/O may tear. Single-page operations are linearizable per sector;
 * see the ramdisk chapter.
 */
public final class MyBrd {
    /** The major {@code register_blkdev(0, "my-ramdisk")} gave in the tutorial's machine. */
    public static final int MYBRD_MAJOR = 253;
    /** mybrd's fixed {@code first_minor}. */
    public static final int MYBRD_FIRST_MINOR = 111;
    /** {@code MYBRD_SIZE_4M}. */
    public static final long MYBRD_SIZE_4M = 4L << 20;
    /** {@code blk_queue_max_hw_sectors(q, 1024)}. */
    public static final int MYBRD_MAX_HW_SECTORS = 1024;

    /**
     * Device configuration.
     *
     * @param capacityBytes disk size; a positive multiple of 4096 (default 4 MiB)
     * @param logicalBlockSize 512 (default, as brd: sub-page and page-crossing I/O possible) or 4096
     *        (mybrd's setting, which makes every I/O page-aligned)
     * @param pageLimit most pages the allocator hands out (default: enough for the whole disk); a
     *        write that needs more fails with {@code -ENOSPC}
     * @param bugs seeded bugs to switch on (default none)
     * @param queueMode {@code queue_mode}: bio (default), rq or mq
     * @param irqMode {@code irqmode}: none (default), softirq or timer
     * @param completionNsec null_blk's {@code completion_nsec}: the timer delay in {@code irqmode=timer}
     * @param injection fault injection (default none)
     * @param submitQueues {@code submit_queues}: mq-mode's {@code nr_hw_queues} (default 1), 1..64
     * @param hwQueueDepth {@code hw_queue_depth}: mq-mode's {@code queue_depth} (default 64),
     *        1..{@code BLK_MQ_MAX_DEPTH}
     */
    public record Config(long capacityBytes, int logicalBlockSize, long pageLimit, Set<Bug> bugs,
            QueueMode queueMode, IrqMode irqMode, long completionNsec, Injection injection, int submitQueues,
            int hwQueueDepth) {
        /** mybrd's {@code nr_hw_queues} and {@code hw_queue_depth}. */
        public static final int DEFAULT_SUBMIT_QUEUES = 1;
        public static final int DEFAULT_HW_QUEUE_DEPTH = 64;
        /** The most hardware queues the model's {@code ctx_map} (one 64-bit word) serves. */
        public static final int MAX_SUBMIT_QUEUES = 64;
        /** null_blk's default {@code completion_nsec}: 10 microseconds. */
        public static final long DEFAULT_COMPLETION_NSEC = 10_000;

        public Config {
            if (capacityBytes <= 0 || capacityBytes % Page.PAGE_SIZE != 0) {
                throw new IllegalArgumentException("capacity must be a positive multiple of 4096 bytes, got "
                        + capacityBytes);
            }
            if (pageLimit < 0) {
                throw new IllegalArgumentException("page limit must be >= 0, got " + pageLimit);
            }
            new QueueLimits(logicalBlockSize, MYBRD_MAX_HW_SECTORS, true);
            if (queueMode == null || irqMode == null || injection == null) {
                throw new IllegalArgumentException("queue_mode, irqmode and injection must be set");
            }
            if (submitQueues < 1 || submitQueues > MAX_SUBMIT_QUEUES) {
                throw new IllegalArgumentException("submit_queues must be in 1.." + MAX_SUBMIT_QUEUES + ", got "
                        + submitQueues + " (-EINVAL)");
            }
            if (hwQueueDepth < 1 || hwQueueDepth > BlkMqTags.BLK_MQ_MAX_DEPTH) {
                throw new IllegalArgumentException("hw_queue_depth must be in 1.." + BlkMqTags.BLK_MQ_MAX_DEPTH
                        + ", got " + hwQueueDepth + " (-EINVAL)");
            }
            if (completionNsec < 0) {
                throw new IllegalArgumentException("completion_nsec must be >= 0, got " + completionNsec);
            }
            if (queueMode == QueueMode.BIO && irqMode != IrqMode.NONE) {
                throw new IllegalArgumentException("irqmode=" + irqMode.label()
                        + " needs queue_mode rq or mq: bio-mode ends every bio inline (-EINVAL)");
            }
            bugs = Collections.unmodifiableSet(bugs.isEmpty() ? EnumSet.noneOf(Bug.class) : EnumSet.copyOf(bugs));
        }

        /** 4 MiB, 512-byte logical blocks, no page limit beyond the disk, no bugs. */
        public static Config defaults() {
            return new Config(MYBRD_SIZE_4M, Bio.SECTOR_SIZE, MYBRD_SIZE_4M / Page.PAGE_SIZE, Set.of(),
                    QueueMode.BIO, IrqMode.NONE, DEFAULT_COMPLETION_NSEC, Injection.none(), DEFAULT_SUBMIT_QUEUES,
                    DEFAULT_HW_QUEUE_DEPTH);
        }

        public Config withCapacity(long bytes) {
            return edit(c -> {
                c.capacityBytes = bytes;
                c.pageLimit = Math.max(pageLimit, bytes / Page.PAGE_SIZE);
            });
        }

        public Config withLogicalBlockSize(int bytes) {
            return edit(c -> c.logicalBlockSize = bytes);
        }

        public Config withPageLimit(long pages) {
            return edit(c -> c.pageLimit = pages);
        }

        /** This configuration with one more seeded bug. */
        public Config withBug(Bug bug) {
            return edit(c -> c.bugs.add(bug));
        }

        public Config withQueueMode(QueueMode mode) {
            return edit(c -> c.queueMode = mode);
        }

        public Config withIrqMode(IrqMode mode) {
            return edit(c -> c.irqMode = mode);
        }

        public Config withCompletionNsec(long nsec) {
            return edit(c -> c.completionNsec = nsec);
        }

        /** {@code submit_queues}: mq-mode's number of hardware queues. */
        public Config withSubmitQueues(int n) {
            return edit(c -> c.submitQueues = n);
        }

        /** {@code hw_queue_depth}: mq-mode's tags per hardware queue. */
        public Config withHwQueueDepth(int depth) {
            return edit(c -> c.hwQueueDepth = depth);
        }

        public Config withInjection(Injection inject) {
            return edit(c -> c.injection = inject);
        }

        /** A copy with {@code change} applied to its components, validated like any new configuration. */
        private Config edit(java.util.function.Consumer<Components> change) {
            Components c = new Components(this);
            change.accept(c);
            return c.build();
        }

        /** The components of a configuration, mutable, for {@link #edit}. */
        private static final class Components {
            long capacityBytes;
            int logicalBlockSize;
            long pageLimit;
            final EnumSet<Bug> bugs = EnumSet.noneOf(Bug.class);
            QueueMode queueMode;
            IrqMode irqMode;
            long completionNsec;
            Injection injection;
            int submitQueues;
            int hwQueueDepth;

            Components(Config c) {
                capacityBytes = c.capacityBytes;
                logicalBlockSize = c.logicalBlockSize;
                pageLimit = c.pageLimit;
                bugs.addAll(c.bugs);
                queueMode = c.queueMode;
                irqMode = c.irqMode;
                completionNsec = c.completionNsec;
                injection = c.injection;
                submitQueues = c.submitQueues;
                hwQueueDepth = c.hwQueueDepth;
            }

            Config build() {
                return new Config(capacityBytes, logicalBlockSize, pageLimit, bugs, queueMode, irqMode,
                        completionNsec, injection, submitQueues, hwQueueDepth);
            }
        }
    }

    private final Kernel kernel;
    private final Config config;
    private final SpinLock mybrdLock;
    private final PageStore pages;
    private final RequestQueue queue;
    private final Gendisk disk;
    private final Jiffies jiffies = new Jiffies();
    private final PartStat stats;
    /** The request-mode half, or null in bio-mode. */
    private final MyBrdRequestMode rq;
    /** The mq-mode half, or null in the other modes. */
    private final MyBrdMqMode mq;

    /** {@code mybrd_alloc()}: builds the queue, the page store and the disk. */
    public MyBrd(Kernel kernel, Config config) {
        this(kernel, config, DiscardMode.V4_4_ZERO_FILL);
    }

    /**
     * A disk whose discard follows {@code discardMode}: v4.4's zero-fill (what the other constructors
     * build) or a later brd's page freeing, before or after its fix (race KR-21).
     */
    public MyBrd(Kernel kernel, Config config, DiscardMode discardMode) {
        this(kernel, config, discardMode, null);
    }

    /**
     * {@code nrDevices} mq-mode disks whose request queues share one tag set of
     * {@code config.submitQueues()} hardware queues of {@code config.hwQueueDepth()} tags
     * ({@code blk_mq_init_queue} on the same set each time, so from the second one on the set and
     * every hardware queue are {@code BLK_MQ_F_TAG_SHARED}). mybrd builds one disk with its own set;
     * this is null_blk's {@code shared_tags=1 nr_devices=N}, which came later (v5.x, for testing the
     * shared-tag code). {@code -EINVAL} ({@link IllegalArgumentException}) unless {@code queue_mode=mq}
     * and {@code nrDevices} is 1..16.
     */
    public static java.util.List<MyBrd> sharedTagSet(Kernel kernel, Config config, int nrDevices) {
        if (kernel == null || config == null) {
            throw new IllegalArgumentException("sharedTagSet needs a kernel and a config");
        }
        if (config.queueMode() != QueueMode.MQ) {
            throw new IllegalArgumentException("shared tags need queue_mode=mq, got queue_mode="
                    + config.queueMode().label() + " (-EINVAL)");
        }
        if (nrDevices < 1 || nrDevices > 16) {
            throw new IllegalArgumentException("nr_devices must be in 1..16, got " + nrDevices + " (-EINVAL)");
        }
        checkBugsFit(config);
        BlkMqTagSet set = MyBrdMqMode.allocTagSet(kernel, config);
        java.util.List<MyBrd> disks = new java.util.ArrayList<>();
        for (int i = 0; i < nrDevices; i++) {
            disks.add(new MyBrd(kernel, config, DiscardMode.V4_4_ZERO_FILL, set));
        }
        return java.util.List.copyOf(disks);
    }

    /** The disk, in mq-mode on {@code sharedSet} if not null (its own set otherwise). */
    private MyBrd(Kernel kernel, Config config, DiscardMode discardMode, BlkMqTagSet sharedSet) {
        if (discardMode == null) {
            throw new IllegalArgumentException("MyBrd needs a discard mode");
        }
        if (kernel == null || config == null) {
            throw new IllegalArgumentException("MyBrd needs a kernel and a config");
        }
        checkBugsFit(config);
        this.kernel = kernel;
        this.config = config;
        this.mybrdLock = new SpinLock(kernel, "mybrd_lock");
        Rcu rcu = new Rcu(kernel);
        this.pages = new PageStore(kernel, rcu, new PageAllocator(kernel, config.pageLimit()),
                mybrdLock, config.bugs(), discardMode);
        this.stats = new PartStat(kernel, rcu, jiffies);
        QueueLimits limits = new QueueLimits(config.logicalBlockSize(), MYBRD_MAX_HW_SECTORS, true);
        if (config.queueMode() == QueueMode.RQ) {
            this.rq = new MyBrdRequestMode(this, kernel, config, limits, stats);
            this.mq = null;
            this.queue = rq.queue();
        } else if (config.queueMode() == QueueMode.MQ) {
            this.rq = null;
            this.mq = new MyBrdMqMode(this, kernel, config, limits, sharedSet);
            this.queue = mq.queue();
        } else {
            this.rq = null;
            this.mq = null;
            this.queue = new RequestQueue(this::makeRequest, limits, this);
        }
        this.disk = new Gendisk(MYBRD_MAJOR, MYBRD_FIRST_MINOR, 1, "mybrd",
                config.capacityBytes() >> Bio.SECTOR_SHIFT, queue, this);
    }

    /** A 4 MiB disk with the default configuration. */
    public MyBrd(Kernel kernel) {
        this(kernel, Config.defaults());
    }

    public Kernel kernel() {
        return kernel;
    }

    public Config config() {
        return config;
    }

    public Gendisk disk() {
        return disk;
    }

    public PageStore pages() {
        return pages;
    }

    /** The disk's I/O statistics ({@code disk->part0}); {@code stats().partStatShow()} is its stat file. */
    public PartStat stats() {
        return stats;
    }

    /** {@code jiffies} as this disk's statistics see it; advance it to let time pass. */
    public Jiffies jiffies() {
        return jiffies;
    }

    /** {@code mybrd->mybrd_lock}. */
    public SpinLock mybrdLock() {
        return mybrdLock;
    }

    /** Bugs that only exist in request-mode with softirq completion, and the like: -EINVAL elsewhere. */
    private static void checkBugsFit(Config config) {
        for (Bug b : config.bugs()) {
            boolean mqOnly = b == Bug.QUEUE_RQ_SWALLOWS_ERROR || b == Bug.MQ_TRANSFER_IN_QUEUE_RQ
                    || b == Bug.COMPLETION_AND_TIMEOUT_BOTH_END || b == Bug.MQ_COMPLETE_WITHOUT_TRANSFER
                    || mqCoreBug(b) != null;
            if (mqOnly && config.queueMode() != QueueMode.MQ) {
                throw new IllegalArgumentException("bug " + b + " needs queue_mode=mq, got queue_mode="
                        + config.queueMode().label() + " (-EINVAL)");
            }
            boolean rqOnly = b == Bug.PREP_NOT_IDEMPOTENT || b == Bug.GET_REQUEST_REGISTER_AFTER_UNLOCK
                    || b == Bug.MERGE_INTO_STARTED;
            boolean softirqOnly = b == Bug.DOUBLE_COMPLETION || b == Bug.SOFTIRQ_DONE_NO_TRANSFER
                    || b == Bug.SOFTIRQ_DONE_TRANSFER;
            if ((rqOnly || softirqOnly) && config.queueMode() != QueueMode.RQ
                    || softirqOnly && config.irqMode() != IrqMode.SOFTIRQ) {
                throw new IllegalArgumentException("bug " + b + " needs queue_mode=rq" + (softirqOnly ? " irqmode=softirq" : "")
                        + ", got queue_mode=" + config.queueMode().label() + " irqmode=" + config.irqMode().label()
                        + " (-EINVAL)");
            }
        }
    }

    /** The blk-mq core bug ({@code MqBug}) a driver {@link Bug} switches on in mq-mode, or null. */
    static dev.mybrd.blkmq.MqBug mqCoreBug(Bug b) {
        return switch (b) {
            case BUSY_LEFTOVERS_DROPPED -> dev.mybrd.blkmq.MqBug.BUSY_LEFTOVERS_DROPPED;
            case CTX_PENDING_CLEARED_AFTER_SPLICE -> dev.mybrd.blkmq.MqBug.CTX_PENDING_CLEARED_AFTER_SPLICE;
            case PLUG_STALE_SAME_QUEUE_RQ -> dev.mybrd.blkmq.MqBug.PLUG_STALE_SAME_QUEUE_RQ;
            case SCHED_FLUSH_IGNORES_MQ_LIST -> dev.mybrd.blkmq.MqBug.SCHED_FLUSH_IGNORES_MQ_LIST;
            case DIRECT_ISSUE_BUSY_DROPPED -> dev.mybrd.blkmq.MqBug.DIRECT_ISSUE_BUSY_DROPPED;
            case ACCOUNT_DONE_SKIPPED_ON_ERROR -> dev.mybrd.blkmq.MqBug.ACCOUNT_DONE_SKIPPED_ON_ERROR;
            case FLUSH_PLUG_LOSES_LAST_BATCH -> dev.mybrd.blkmq.MqBug.FLUSH_PLUG_LOSES_LAST_BATCH;
            default -> null;
        };
    }

    /** {@code mybrd->mybrd_queue_lock} (request-mode only). */
    public SpinLock mybrdQueueLock() {
        if (rq == null) {
            throw new IllegalStateException("queue_mode=bio has no mybrd_queue_lock");
        }
        return rq.queueLock();
    }

    /**
     * Waits, bounded, until no I/O is in flight: in request-mode, gives each CPU turns to run
     * kblockd, the timers (the completion timer and the request timeout) and its IPIs and softirqs,
     * since bios submitted in softirq or timer mode end after {@link #submitBio} returns. Call it
     * outside any task. True at quiescence; false after {@code timeoutNanos}, with
     * {@link #drainReport()} naming what is still in flight. Bio-mode has nothing to wait for.
     */
    public boolean drain(long timeoutNanos) {
        if (mq != null) {
            return mq.drain(timeoutNanos);
        }
        return rq == null || rq.drain(timeoutNanos);
    }

    /**
     * Model time passing while a submitter on {@code cpu} waits, from outside any task: on each CPU in
     * turn (a timer fires on the CPU that armed it), kblockd's deferred queue runs and a few jiffies go
     * by on that CPU's timers (completion timer, request
     * timeout). Only when something waits for time (a timer, kblockd work, or a request the timeout
     * must end); a no-op in bio-mode.
     */
    public void idle(int cpu) {
        if (rq != null && rq.needsTime()) {
            int target = Math.floorMod(idleTurn.getAndIncrement(), kernel.nrCpus());
            kernel.runOn(target, "idle/" + target, rq::tickOnce);
        }
    }

    /** Whose turn it is: timers sit on the CPU that armed them, so every CPU's base must tick. */
    private final java.util.concurrent.atomic.AtomicInteger idleTurn = new java.util.concurrent.atomic.AtomicInteger();

    /** Requests the driver requeued ({@code blk_requeue_request}), or empty in bio-mode. */
    public OptionalLong requeues() {
        return rq == null ? OptionalLong.empty() : OptionalLong.of(rq.requeues());
    }

    /** Requests ended by the block layer's timeout handler, or empty in bio-mode. */
    public OptionalLong timeouts() {
        return rq == null ? OptionalLong.empty() : OptionalLong.of(rq.timeouts());
    }

    /** What the last unsuccessful {@link #drain} found still in flight ("" if none). */
    public String drainReport() {
        if (mq != null) {
            return mq.lastReport();
        }
        return rq == null ? "" : rq.lastReport();
    }

    /** The blk-mq request queue of mq-mode ({@code mybrd->queue} built by {@code blk_mq_init_queue}). */
    public dev.mybrd.blkmq.BlkMqQueue mqQueue() {
        if (mq == null) {
            throw new IllegalStateException("queue_mode=" + config.queueMode().label() + " has no blk-mq queue");
        }
        return mq.mq();
    }

    /**
     * mq-mode: lets the driver's work item run once in the current task (process context), as the
     * work queue would; returns how many requests it moved and completed.
     */
    public int runMqWork() {
        if (mq == null) {
            throw new IllegalStateException("queue_mode=" + config.queueMode().label() + " has no mq work item");
        }
        return mq.runWork();
    }

    /**
     * mq-mode: one turn of what runs in the background on the current CPU (call inside a task):
     * IPIs, kblockd's pending work, the driver's work item, the completion timer; if none of them
     * had anything to do, the request timeout passes and the timeout scan runs. Other modes: nothing.
     */
    public void backgroundTurn() {
        if (mq != null) {
            mq.backgroundTurn();
        }
    }

    /** mq-mode, {@code irqmode=timer}: fires the completion timer now; returns how many it completed. */
    public int fireMqTimer() {
        if (mq == null) {
            throw new IllegalStateException("queue_mode=" + config.queueMode().label() + " has no mq timer");
        }
        return mq.fireTimer();
    }

    /** {@code submit_bio}: hands the bio to the block layer; it ends inline in bio-mode. */
    public void submitBio(Bio bio) {
        BlkCore.genericMakeRequest(kernel, disk, bio);
        if (mq != null) {
            mq.letWorkersRun();
        }
    }

    /**
     * {@code mybrd_make_request_fn(q, bio)}: accounts the bio, moves its data, ends it, and ends the
     * accounting (which ch03 forgot on the error path: {@link Bug#IN_FLIGHT_LEAK_ON_ERROR}).
     */
    private void makeRequest(RequestQueue q, Bio bio) {
        int rw = bio.op().isWrite() ? PartStat.WRITE : PartStat.READ;
        long startTime = jiffies.get();
        stats.genericStartIoAcct(rw, bio.sectors());
        BlkStatus status = transfer(bio);
        bio.endio(status);
        if (status == BlkStatus.OK || !config.bugs().contains(Bug.IN_FLIGHT_LEAK_ON_ERROR)) {
            stats.genericEndIoAcct(rw, startTime);
        }
    }

    /** The bio's work: a discard, or each segment in turn until one fails. */
    private BlkStatus transfer(Bio bio) {
        long sector = bio.sector();
        if (bio.op() == ReqOp.DISCARD) {
            if ((sector & (PageStore.PAGE_SECTORS - 1)) != 0 || bio.size() % Page.PAGE_SIZE != 0) {
                kernel.printk("mybrd: discard not page-aligned: " + bio);
                return BlkStatus.IOERR;
            }
            pages.discard(sector, bio.size());
            return BlkStatus.OK;
        }
        for (BioVec vec : bio.vecs()) {
            int err = doBvec(vec, bio.op(), sector);
            if (err != 0) {
                return BlkStatus.of(err);
            }
            sector += vec.len() >> Bio.SECTOR_SHIFT;
        }
        return BlkStatus.OK;
    }

    /** A discard bio's work (brd's {@code discard_from_brd}); 0 or {@code -EIO}. */
    int discard(Bio bio) {
        BlkStatus s = transfer(bio);
        return s.errno();
    }

    /**
     * {@code _mybrd_request_fn}'s loop over a request's bios from {@code sector}: a discard bio as a
     * whole, every other segment by {@link #doBvec}; 0, or the first negative errno. Shared by the
     * request and blk-mq modes, whose request types differ.
     */
    int transferBios(long sector, List<Bio> bios) {
        for (Bio bio : bios) {
            if (bio.op() == ReqOp.DISCARD) {
                int err = discard(bio);
                if (err != 0) {
                    return err;
                }
                sector += bio.sectors();
                continue;
            }
            for (BioVec vec : bio.vecs()) {
                int err = doBvec(vec, bio.op(), sector);
                if (err != 0) {
                    return err;
                }
                sector += vec.len() >> Bio.SECTOR_SHIFT;
            }
        }
        return 0;
    }

    /** {@code brd_do_bvec}: one segment in or out; 0 or {@code -ENOSPC}. */
    int doBvec(BioVec vec, ReqOp op, long sector) {
        if (op == ReqOp.WRITE) {
            int err = pages.copyToSetup(sector, vec.len());
            if (err != 0) {
                kernel.printk("mybrd: no page for sector " + sector + " (" + Errno.ENOSPC + ")");
                return err;
            }
            pages.copyTo(vec.page().kmap(), vec.offset(), sector, vec.len());
        } else {
            pages.copyFrom(vec.page().kmap(), vec.offset(), sector, vec.len());
        }
        return 0;
    }

    @Override
    public String toString() {
        return "mybrd " + disk;
    }
}
