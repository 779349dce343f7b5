package dev.mybrd.idr;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code struct ida} of {@code lib/idr.c} (v4.4): an id allocator that hands out the smallest free
 * id at or above a start, built as an {@link Idr} whose leaf slots hold {@link IdaBitmap}s of
 * {@code IDA_BITMAP_BITS} ids each, plus one spare bitmap ({@code ida->free_bitmap}).
 *
 * <p><b>Allocation</b> ({@code ida_get_new_above}). Id {@code i} lives in bit
 * {@code i % IDA_BITMAP_BITS} of the bitmap in IDR slot {@code i / IDA_BITMAP_BITS}. The IDR finds the
 * first slot at or after the start's slot that is not marked full; if it has no bitmap yet the spare
 * is cleared and installed; then the first clear bit at or after the start's offset (offset 0 in a
 * later slot) is the id, unless the bitmap has none left after that offset, in which case the search
 * moves on to the next slot. When a bitmap's {@code nr_busy} reaches {@code IDA_BITMAP_BITS} its slot
 * is marked full up the tree, so later searches skip it.
 *
 * <p><b>Memory.</b> The search runs under a spinlock and must not allocate, so it consumes layers
 * and the spare bitmap that {@code ida_pre_get} preallocated; when they run out it answers
 * {@code -EAGAIN} and the caller drops its lock, calls {@code ida_pre_get} again and retries. After
 * each success one surplus layer is given back, keeping the footprint small.
 *
 * <p><b>Removal</b> ({@code ida_remove}) clears the full marks on the path, clears the id's bit, and
 * when the bitmap becomes empty removes its slot from the IDR (freeing emptied layers) and keeps the
 * bitmap as the spare. Removing an id that is not allocated is the caller's bug: v4.4 prints
 * {@code WARN(1, "ida_remove called for id=%d which is not allocated.")} and changes nothing. The
 * model logs the same text to {@code dmesg} with a {@code WARNING} line, counts it
 * ({@link #warnings}) and returns {@code -EINVAL} (the kernel function is void). The full marks it
 * cleared on the way are only hints (a later search that meets a full child moves on), so the set of
 * allocated ids is unchanged.
 *
 * <p><b>Locking.</b> {@code ida_get_new_above} and {@code ida_remove} need the caller's exclusion; the
 * simple API ({@link #simpleGet}, {@link #simpleRemove}) provides it with {@code simple_ida_lock}
 * ({@code spin_lock_irqsave}, shared by all IDAs of the machine). {@code ida_pre_get} runs without
 * it, because it may sleep. The IDR's own {@code idp->lock} guards only the free layers and the spare
 * bitmap. Under these rules every operation of the simple API is atomic, so the IDA is linearizable
 * against a sorted set (spec 3.12, D1 to D4).
 *
 * <p><b>Bad input</b> gets {@code -EINVAL} and changes nothing: a negative start, end or id, or
 * {@code end < start} with {@code end != 0}, where v4.4's {@code ida_simple_get} and
 * {@code ida_simple_remove} {@code BUG_ON}. {@code end == start} is legal and answers {@code -ENOSPC},
 * as in the kernel.
 */
public final class Ida {
    /**
     * How many {@code -EAGAIN} rounds in a row {@link #simpleGet} accepts before it reports a
     * livelock. A round fails only if another CPU used up the preallocation between our
     * {@code ida_pre_get} and our search, so a correct IDA never comes close.
     */
    public static final int MAX_EAGAIN_RETRIES = 10_000;
    private static final int EAGAIN = Errno.EAGAIN.negative();
    private static final int EINVAL = Errno.EINVAL.negative();
    private static final int ENOMEM = Errno.ENOMEM.negative();
    private static final int ENOSPC = Errno.ENOSPC.negative();
    private static final VarHandle FREE_BITMAP;

    static {
        try {
            FREE_BITMAP = MethodHandles.lookup().findVarHandle(Ida.class, "freeBitmap", IdaBitmap.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The IDA's shape, its memory budget and the seeded bugs switched on.
     *
     * @param geometry    layer and leaf sizes ({@link IdrGeometry#V4_4} by default)
     * @param objectLimit most layers plus bitmaps allocated at once; beyond it allocations fail
     * @param bugs        seeded bugs, none by default
     */
    public record Config(IdrGeometry geometry, long objectLimit, Set<IdaBug> bugs) {
        public Config {
            if (geometry == null) {
                throw new IllegalArgumentException("geometry must not be null");
            }
            if (objectLimit < 0) {
                throw new IllegalArgumentException("object limit must be >= 0, got " + objectLimit);
            }
            bugs = bugs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(bugs));
        }

        /** The v4.4 64-bit IDA, unlimited memory, no bug. */
        public static Config defaults() {
            return new Config(IdrGeometry.V4_4, Long.MAX_VALUE, Set.of());
        }

        public Config withGeometry(IdrGeometry g) {
            return new Config(g, objectLimit, bugs);
        }

        public Config withObjectLimit(long objects) {
            return new Config(geometry, objects, bugs);
        }

        /** This configuration with seeded bug {@code bug} switched on. */
        public Config withBug(IdaBug bug) {
            EnumSet<IdaBug> more = bugs.isEmpty() ? EnumSet.noneOf(IdaBug.class) : EnumSet.copyOf(bugs);
            more.add(bug);
            return new Config(geometry, objectLimit, more);
        }

        public boolean has(IdaBug bug) {
            return bugs.contains(bug);
        }
    }

    private final Kernel kernel;
    private final String name;
    private final Config config;
    private final IdrGeometry g;
    private final IdrMemory memory;
    private final Idr idr;
    private final SpinLock simpleIdaLock;
    private final AtomicInteger warnings = new AtomicInteger();
    @SuppressWarnings("unused") private IdaBitmap freeBitmap;

    /** {@code DEFINE_IDA(name)}: a v4.4 IDA on {@code kernel}. */
    public Ida(Kernel kernel, String name) {
        this(kernel, name, Config.defaults());
    }

    /** {@code ida_init}: an empty IDA with the given configuration. */
    public Ida(Kernel kernel, String name, Config config) {
        if (kernel == null || name == null || config == null) {
            throw new IllegalArgumentException("ida needs a kernel, a name and a configuration");
        }
        this.kernel = kernel;
        this.name = name;
        this.config = config;
        this.g = config.geometry();
        this.memory = new IdrMemory(kernel, g, config.objectLimit());
        this.idr = new Idr(kernel, name, g, memory, this::warn);
        this.simpleIdaLock = SimpleIdaLock.of(kernel);
    }

    public String name() {
        return name;
    }

    public Config config() {
        return config;
    }

    // ---- the simple API ------------------------------------------------------------------------

    /**
     * {@code ida_simple_get(ida, start, end, gfp)}: the smallest free id with
     * {@code start <= id < end} ({@code end == 0}: no limit below 2^31), {@code -ENOSPC} if there is
     * none, {@code -ENOMEM} if preallocation failed, {@code -EINVAL} for a bad range. Loops
     * {@code ida_pre_get}, then {@code ida_get_new_above} under {@code simple_ida_lock}, while the
     * search answers {@code -EAGAIN}. May sleep if {@code gfp} allows blocking.
     */
    public int simpleGet(int start, int end, int gfp) {
        if (start < 0 || end < 0 || (end != 0 && end < start)) {
            return EINVAL;
        }
        long max = end == 0 ? 0x8000_0000L : end - 1L;
        for (int round = 0; ; round++) {
            if (round == MAX_EAGAIN_RETRIES) {
                throw new KernelBug("ida_simple_get(" + name + ", " + start + ", " + end + "): -EAGAIN "
                        + round + " times in a row on task " + kernel.current()
                        + ": ida_get_new_above finds no preallocated layer or bitmap (is ida_pre_get called?)");
            }
            if (!has(IdaBug.NO_PRE_GET) && !has(IdaBug.PRE_GET_UNDER_LOCK) && preGet(gfp) == 0) {
                return ENOMEM;
            }
            int ret = has(IdaBug.GET_WITHOUT_LOCK) ? getNewAboveWithin(start, max, gfp)
                    : getNewAboveLocked(start, max, gfp);
            if (ret != EAGAIN) {
                return ret;
            }
        }
    }

    /** One round of {@code ida_simple_get} under {@code simple_ida_lock}. */
    private int getNewAboveLocked(int start, long max, int gfp) {
        boolean flags = simpleIdaLock.lockIrqsave();
        try {
            return getNewAboveWithin(start, max, gfp);
        } finally {
            simpleIdaLock.unlockIrqrestore(flags);
        }
    }

    /** {@code ida_get_new_above}, then the id given back with {@code -ENOSPC} if it is past {@code max}. */
    private int getNewAboveWithin(int start, long max, int gfp) {
        if (has(IdaBug.PRE_GET_UNDER_LOCK) && preGet(gfp) == 0) {
            return ENOMEM;
        }
        int id = getNewAbove(start);
        if (id >= 0 && id > max) {
            remove(id);
            return ENOSPC;
        }
        return id;
    }

    /**
     * {@code ida_simple_remove(ida, id)}: {@code ida_remove} under {@code simple_ida_lock}. Returns 0,
     * or {@code -EINVAL} for a negative id (v4.4: {@code BUG_ON}) or an id that is not allocated
     * (v4.4: {@code WARN}, which the model logs too).
     */
    public int simpleRemove(int id) {
        if (id < 0) {
            return EINVAL;
        }
        if (has(IdaBug.REMOVE_WITHOUT_LOCK)) {
            return remove(id);
        }
        boolean flags = simpleIdaLock.lockIrqsave();
        try {
            return remove(id);
        } finally {
            simpleIdaLock.unlockIrqrestore(flags);
        }
    }

    // ---- the raw API: the caller provides exclusion --------------------------------------------

    /**
     * {@code ida_pre_get(ida, gfp)}: fills the IDR's free list and the spare bitmap. 1 on success, 0
     * when memory ran out (what it got so far stays preallocated). Call without locks if {@code gfp}
     * may block.
     */
    public int preGet(int gfp) {
        if (idr.preGet(gfp) == 0) {
            return 0;
        }
        if (FREE_BITMAP.getOpaque(this) == null) {
            IdaBitmap bitmap = memory.allocBitmap(gfp);
            if (bitmap == null) {
                return 0;
            }
            freeBitmap(bitmap);
        }
        return 1;
    }

    /**
     * {@code ida_get_new_above(ida, starting_id, &id)}: allocates the smallest free id at or above
     * {@code startingId} and returns it (the kernel returns 0 and stores it in {@code *p_id}); or
     * {@code -EAGAIN} (preallocated memory used up: drop the lock, {@code ida_pre_get}, retry),
     * {@code -ENOSPC} (no id left below 2^31), {@code -EINVAL} (negative start). Caller provides
     * exclusion against every other {@code ida_get_new_above} and {@code ida_remove} of this IDA.
     */
    public int getNewAbove(int startingId) {
        if (startingId < 0) {
            return EINVAL;
        }
        IdrLayer[] pa = new IdrLayer[g.maxIdrLevel() + 1];
        int idrId = startingId / g.bitmapBits();
        int offset = startingId % g.bitmapBits();
        while (true) {
            // restart: get a vacant slot
            int t = idr.getEmptySlot(idrId, pa);
            if (t < 0) {
                return t == ENOMEM ? EAGAIN : t;
            }
            if ((long) t * g.bitmapBits() >= g.maxIdrBit()) {
                return ENOSPC;
            }
            if (t != idrId) {
                offset = 0;
            }
            idrId = t;
            IdaBitmap bitmap = installBitmap(pa[0], idrId & g.idrMask());
            if (bitmap == null) {
                return EAGAIN;
            }
            t = Bitmaps.findNextZeroBit(bitmap.bitmap, g.bitmapBits(), offset);
            if (t == g.bitmapBits()) {
                // No empty slot after offset: continue with the next chunk.
                idrId++;
                offset = 0;
                continue;
            }
            long id = (long) idrId * g.bitmapBits() + t;
            if (id >= g.maxIdrBit()) {
                return ENOSPC;
            }
            Bitmaps.setBit(bitmap.bitmap, t);
            if (++bitmap.nrBusy == g.bitmapBits()) {
                idr.markFull(pa, idrId);
            }
            throwAwaySpareLayer();
            return (int) id;
        }
    }

    /** The bitmap in {@code leaf.ary[n]}, installing the spare (cleared) if there is none; null if no spare. */
    private IdaBitmap installBitmap(IdrLayer leaf, int n) {
        IdaBitmap bitmap = (IdaBitmap) leaf.child(n);
        if (bitmap != null) {
            return bitmap;
        }
        boolean flags = idr.lockIrqsave();
        bitmap = (IdaBitmap) FREE_BITMAP.getOpaque(this);
        FREE_BITMAP.setOpaque(this, (IdaBitmap) null);
        idr.unlockIrqrestore(flags);
        if (bitmap == null) {
            return null;
        }
        bitmap.clear();
        leaf.assignChild(n, bitmap);
        leaf.count++;
        return bitmap;
    }

    /**
     * Each leaf holds nearly a thousand ids and the IDA is meant to stay small, so after a successful
     * allocation one preallocated layer is given back, if any is spare.
     */
    private void throwAwaySpareLayer() {
        if (idr.idFreeCnt() != 0 || FREE_BITMAP.getOpaque(this) != null) {
            memory.freeLayer(idr.getFromFreeList());
        }
    }

    /**
     * {@code ida_remove(ida, id)}: frees {@code id}; returns 0, or {@code -EINVAL} after the
     * {@code WARN} if it was not allocated. Caller provides exclusion, as for {@link #getNewAbove}.
     */
    public int remove(int id) {
        if (id < 0) {
            return EINVAL;
        }
        IdrLayer p = idr.top();
        int shift = (idr.layers() - 1) * g.idrBits();
        int idrId = id / g.bitmapBits();
        int offset = id % g.bitmapBits();
        if (idrId > g.idrMax(idr.layers())) {
            return notAllocated(id);
        }
        // Clear the full marks while looking up the leaf layer.
        while (shift > 0 && p != null) {
            int n = (idrId >> shift) & g.idrMask();
            Bitmaps.clearBit(p.bitmap, n);
            p = (IdrLayer) p.child(n);
            shift -= g.idrBits();
        }
        if (p == null) {
            return notAllocated(id);
        }
        int n = idrId & g.idrMask();
        Bitmaps.clearBit(p.bitmap, n);
        IdaBitmap bitmap = (IdaBitmap) p.child(n);
        if (bitmap == null || !Bitmaps.testBit(bitmap.bitmap, offset)) {
            return notAllocated(id);
        }
        Bitmaps.clearBit(bitmap.bitmap, offset);
        if (--bitmap.nrBusy == 0) {
            Bitmaps.setBit(p.bitmap, n); // to please idr_remove()
            idr.remove(idrId);
            freeBitmap(bitmap);
        }
        return 0;
    }

    /** {@code free_bitmap(ida, bitmap)}: keeps it as the spare if there is none, else {@code kfree}. */
    private void freeBitmap(IdaBitmap bitmap) {
        if (FREE_BITMAP.getOpaque(this) == null) {
            boolean flags = idr.lockIrqsave();
            if (FREE_BITMAP.getOpaque(this) == null) {
                FREE_BITMAP.setOpaque(this, bitmap);
                bitmap = null;
            }
            idr.unlockIrqrestore(flags);
        }
        memory.freeBitmap(bitmap);
    }

    /**
     * {@code ida_destroy(ida)}: {@code idr_destroy} frees every layer of the tree
     * ({@code __idr_remove_all}) and the free list, then the spare bitmap is freed. Like v4.4 it does
     * not free the leaf bitmaps still in the tree: destroying an IDA that holds ids leaks them. The
     * caller makes sure nothing else uses the IDA meanwhile.
     */
    public void destroy() {
        idr.removeAll();
        idr.destroyFreeList();
        boolean flags = idr.lockIrqsave();
        IdaBitmap spare = (IdaBitmap) FREE_BITMAP.getOpaque(this);
        FREE_BITMAP.setOpaque(this, (IdaBitmap) null);
        idr.unlockIrqrestore(flags);
        memory.freeBitmap(spare);
    }

    // ---- reports ---------------------------------------------------------------------------------

    private int notAllocated(int id) {
        warn("ida_remove called for id=" + id + " which is not allocated.");
        return EINVAL;
    }

    /** {@code WARN(1, ...)}: a WARNING line naming the CPU and task, then the message, in dmesg. */
    private void warn(String message) {
        warnings.incrementAndGet();
        String where;
        try {
            where = "CPU: " + kernel.smpProcessorId() + " PID: " + kernel.current().comm();
        } catch (IllegalStateException outsideTask) {
            where = "CPU: ?";
        }
        kernel.printk("WARNING: " + where + " at lib/idr.c (" + name + ")");
        kernel.printk(message);
    }

    /** The number of {@code WARN}s this IDA printed (removals of ids that were not allocated). */
    public int warnings() {
        return warnings.get();
    }

    private boolean has(IdaBug bug) {
        return config.has(bug);
    }

    // ---- inspection at quiescence (not kernel API) ------------------------------------------------

    /**
     * The ids allocated, by walking the tree. For checks and tests at quiescence: it takes no lock,
     * like a debugger looking at a stopped machine.
     */
    public SortedSet<Integer> allocatedIds() {
        SortedSet<Integer> ids = new TreeSet<>();
        IdrLayer top = idr.top();
        if (top != null) {
            collect(top, 0, idr.layers() - 1, ids);
        }
        return ids;
    }

    private void collect(IdrLayer p, int prefix, int layer, SortedSet<Integer> ids) {
        for (int n = 0; n < g.idrSize(); n++) {
            Object child = p.child(n);
            int idrId = prefix | (n << (layer * g.idrBits()));
            if (child instanceof IdrLayer lower) {
                collect(lower, idrId, layer - 1, ids);
            } else if (child instanceof IdaBitmap b) {
                for (int t = 0; t < g.bitmapBits(); t++) {
                    if (Bitmaps.testBit(b.bitmap, t)) {
                        ids.add(idrId * g.bitmapBits() + t);
                    }
                }
            }
        }
    }

    /**
     * Checks the structure at quiescence and returns null, or what is broken: each bitmap's
     * {@code nr_busy} equals its set bits and is not 0; each layer's {@code count} equals its non-null
     * children and its {@code layer} its height; a set full mark means the child is full; the tree
     * is as tall as {@code idp->layers} says.
     */
    public String checkInvariants() {
        IdrLayer top = idr.top();
        if (top == null) {
            return idr.layers() == 0 ? null : "no top layer but layers = " + idr.layers();
        }
        if (top.layer != idr.layers() - 1) {
            return "top layer is at height " + top.layer + " but layers = " + idr.layers();
        }
        return checkLayer(top, 0, idr.layers() - 1);
    }

    private String checkLayer(IdrLayer p, int prefix, int layer) {
        if (p.layer != layer) {
            return "layer for ids from " + prefix + " has height " + p.layer + ", expected " + layer;
        }
        int children = 0;
        for (int n = 0; n < g.idrSize(); n++) {
            Object child = p.child(n);
            int idrId = prefix | (n << (layer * g.idrBits()));
            boolean markedFull = Bitmaps.testBit(p.bitmap, n);
            if (child == null) {
                if (markedFull) {
                    return "slot " + idrId + " at height " + layer + " is marked full but empty";
                }
                continue;
            }
            children++;
            if (layer > 0) {
                if (!(child instanceof IdrLayer lower)) {
                    return "slot " + idrId + " at height " + layer + " holds a bitmap";
                }
                if (markedFull && !Bitmaps.full(lower.bitmap, g.idrSize())) {
                    return "slot " + idrId + " at height " + layer + " is marked full but its layer is not";
                }
                String broken = checkLayer(lower, idrId, layer - 1);
                if (broken != null) {
                    return broken;
                }
            } else {
                if (!(child instanceof IdaBitmap b)) {
                    return "leaf slot " + idrId + " holds a layer";
                }
                int busy = Bitmaps.weight(b.bitmap, g.bitmapBits());
                if (b.nrBusy != busy || busy == 0) {
                    return "bitmap of ids " + idrId * g.bitmapBits() + ".. has nr_busy " + b.nrBusy
                            + " but " + busy + " bits set";
                }
                if (markedFull && busy != g.bitmapBits()) {
                    return "bitmap of ids " + idrId * g.bitmapBits() + ".. is marked full with " + busy + " ids";
                }
            }
        }
        if (children != p.count) {
            return "layer for ids from " + prefix + " at height " + layer + " has count " + p.count
                    + " but " + children + " children";
        }
        return null;
    }

    /** Tree height ({@code idp->layers}), at quiescence. */
    public int layers() {
        return idr.layers();
    }

    /** Layers and bitmaps allocated and not freed: in the tree, on the free list, or spare. */
    public long objectsInUse() {
        return memory.inUse();
    }
}
