package dev.mybrd.idr;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * {@code struct idr} of {@code lib/idr.c} (v4.4), the part the IDA stands on: a radix tree of
 * {@link IdrLayer}s that finds the lowest free slot at or above a start id, and the free list of
 * preallocated layers that lets that search run under a spinlock without allocating.
 *
 * <p><b>Finding a slot</b> ({@code idr_get_empty_slot}, {@code sub_alloc}). Each layer's
 * {@code bitmap} marks its full children. From the top, the search takes the first child at or after
 * the start id's digit whose full bit is clear ({@code find_next_zero_bit}); past the digit it
 * continues from that child's first id; when a layer has no such child it climbs back up and moves to
 * the next sibling range. Missing layers on the way are taken from the free list and published. If
 * the whole tree is full or too short for the start id, a new top is pushed above the old one
 * ({@code rcu_assign_pointer(idp->top, ...)}), layer 0 of the new top pointing at the old top.
 *
 * <p><b>Full marks</b> ({@code idr_mark_full}) are set bottom-up when a leaf slot fills and, on the way,
 * every layer that becomes full; {@code sub_remove} clears them on the path to the removed id, frees
 * layers whose {@code count} drops to zero, and {@code idr_remove} shrinks the tree by one layer when
 * the top has only its leftmost child.
 *
 * <p><b>Concurrency.</b> Everything except the free list belongs to the caller's lock (for the
 * simple IDA API, {@code simple_ida_lock}). The free list has its own lock, {@code idp->lock},
 * taken with interrupts saved, because {@code ida_pre_get} fills it without the caller's lock. Its
 * length is also read without that lock, as a hint ({@code idp->id_free_cnt}); the model reads it
 * opaque. Tree pointers are stored with release for {@code idr_find}'s RCU readers. Layers freed by
 * {@code free_layer} go through {@code call_rcu} in the kernel; the IDA has no RCU readers, so the
 * model frees them at once. The lookup hint ({@code idp->hint}) is set only by {@code idr_alloc},
 * which the IDA does not use, and is left out.
 */
final class Idr {
    private static final VarHandle TOP;
    private static final VarHandle ID_FREE_CNT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TOP = l.findVarHandle(Idr.class, "top", IdrLayer.class);
            ID_FREE_CNT = l.findVarHandle(Idr.class, "idFreeCnt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code sub_alloc}'s request to grow the tree (it returns {@code -EAGAIN} in v4.4). */
    private static final int NEED_TO_GROW = Errno.EAGAIN.negative();
    private static final int ENOMEM = Errno.ENOMEM.negative();
    private static final int ENOSPC = Errno.ENOSPC.negative();

    private final IdrGeometry g;
    private final IdrMemory memory;
    private final Consumer<String> warn;
    /** {@code idp->lock}: protects the free list only. */
    private final SpinLock lock;
    @SuppressWarnings("unused") private IdrLayer top;
    private int layers;
    private IdrLayer idFree;
    @SuppressWarnings("unused") private int idFreeCnt;

    Idr(Kernel kernel, String name, IdrGeometry g, IdrMemory memory, Consumer<String> warn) {
        this.g = g;
        this.memory = memory;
        this.warn = warn;
        this.lock = new SpinLock(kernel, name + ".idr.lock");
    }

    // ---- the free list of preallocated layers ----------------------------------------------------

    /** {@code __idr_pre_get(idp, gfp)}: tops the free list up to {@code MAX_IDR_FREE}; 1, or 0 if memory ran out. */
    int preGet(int gfp) {
        while ((int) ID_FREE_CNT.getOpaque(this) < g.maxIdrFree()) {
            IdrLayer fresh = memory.allocLayer(gfp);
            if (fresh == null) {
                return 0;
            }
            moveToFreeList(fresh);
        }
        return 1;
    }

    /** {@code idp->id_free_cnt}, read without {@code idp->lock} as the kernel does. */
    int idFreeCnt() {
        return (int) ID_FREE_CNT.getOpaque(this);
    }

    /** {@code get_from_free_list(idp)}: a zeroed layer from the free list, or null. */
    IdrLayer getFromFreeList() {
        boolean flags = lock.lockIrqsave();
        IdrLayer p = idFree;
        if (p != null) {
            idFree = (IdrLayer) p.child(0);
            ID_FREE_CNT.setOpaque(this, idFreeCnt() - 1);
            p.ary[0] = null;
        }
        lock.unlockIrqrestore(flags);
        return p;
    }

    /** {@code move_to_free_list(idp, p)}. */
    private void moveToFreeList(IdrLayer p) {
        boolean flags = lock.lockIrqsave();
        moveToFreeListLocked(p);
        lock.unlockIrqrestore(flags);
    }

    /** {@code __move_to_free_list(idp, p)}: caller holds {@code idp->lock}. */
    private void moveToFreeListLocked(IdrLayer p) {
        p.ary[0] = idFree;
        idFree = p;
        ID_FREE_CNT.setOpaque(this, idFreeCnt() + 1);
    }

    /** {@code idr_layer_alloc(gfp, layer_idr)} with {@code layer_idr = &ida->idr}: the free list only. */
    private IdrLayer layerAlloc() {
        return getFromFreeList();
    }

    /** {@code spin_lock_irqsave(&idp->lock)}; used by the IDA for its spare bitmap. */
    boolean lockIrqsave() {
        return lock.lockIrqsave();
    }

    /** {@code spin_unlock_irqrestore(&idp->lock, flags)}. */
    void unlockIrqrestore(boolean flags) {
        lock.unlockIrqrestore(flags);
    }

    // ---- allocation ------------------------------------------------------------------------------

    /**
     * {@code idr_get_empty_slot(idp, starting_id, pa, 0, idp)}: the lowest slot id at or above
     * {@code startingId} whose full bit is clear, with {@code pa[0..]} the path from its leaf layer up;
     * or {@code -ENOMEM} (free list empty), {@code -ENOSPC} (id space exhausted).
     */
    int getEmptySlot(int startingId, IdrLayer[] pa) {
        int id = startingId;
        while (true) {
            // build_up:
            if (id > g.idrMax(g.maxIdrLevel())) {
                // The kernel's int arithmetic turns such an id negative and sub_alloc answers -ENOSPC.
                return ENOSPC;
            }
            IdrLayer p = (IdrLayer) TOP.get(this);
            int height = layers;
            if (p == null) {
                p = layerAlloc();
                if (p == null) {
                    return ENOMEM;
                }
                p.layer = 0;
                height = 1;
            }
            while (id > g.idrMax(height)) {
                height++;
                if (p.count == 0) {
                    // An empty tree grows by moving its top node up.
                    p.layer++;
                    continue;
                }
                IdrLayer fresh = layerAlloc();
                if (fresh == null) {
                    undoGrowth(p);
                    return ENOMEM;
                }
                fresh.ary[0] = p;
                fresh.count = 1;
                fresh.layer = height - 1;
                fresh.prefix = id & g.layerPrefixMask(fresh.layer);
                if (Bitmaps.full(p.bitmap, g.idrSize())) {
                    Bitmaps.setBit(fresh.bitmap, 0);
                }
                p = fresh;
            }
            TOP.setRelease(this, p);
            layers = height;
            int[] start = {id};
            int v = subAlloc(start, pa);
            if (v != NEED_TO_GROW) {
                return v;
            }
            id = start[0];
        }
    }

    /** The failure path of {@code idr_get_empty_slot}: the new layers above the old top go back to the free list. */
    private void undoGrowth(IdrLayer p) {
        IdrLayer oldTop = (IdrLayer) TOP.get(this);
        boolean flags = lock.lockIrqsave();
        for (IdrLayer fresh = p; p != null && p != oldTop; fresh = p) {
            p = (IdrLayer) p.child(0);
            fresh.ary[0] = null;
            fresh.count = 0;
            Bitmaps.clear(fresh.bitmap);
            moveToFreeListLocked(fresh);
        }
        lock.unlockIrqrestore(flags);
    }

    /**
     * {@code sub_alloc(idp, &starting_id, pa, ...)}: walks down from the top without growing it.
     * Returns the id, {@link #NEED_TO_GROW} with {@code startingId[0]} set to where to resume,
     * {@code -ENOSPC}, or {@code -ENOMEM} if a missing layer could not be taken from the free list.
     */
    private int subAlloc(int[] startingId, IdrLayer[] pa) {
        long id = startingId[0];
        restart:
        while (true) {
            IdrLayer p = (IdrLayer) TOP.get(this);
            int l = layers;
            pa[l--] = null;
            while (true) {
                int n = (int) (id >> (g.idrBits() * l)) & g.idrMask();
                int m = Bitmaps.findNextZeroBit(p.bitmap, g.idrSize(), n);
                if (m == g.idrSize()) {
                    // No space here: go back to the layer above and move to the next range.
                    l++;
                    long oid = id;
                    id = (id | ((1L << (g.idrBits() * l)) - 1)) + 1;
                    if (id > g.idrMax(layers)) {
                        startingId[0] = (int) Math.min(id, Integer.MAX_VALUE);
                        return NEED_TO_GROW;
                    }
                    p = pa[l];
                    if (p == null) {
                        throw new IllegalStateException("sub_alloc: BUG_ON(!p) at layer " + l);
                    }
                    int sh = g.idrBits() * (l + 1);
                    if (oid >> sh == id >> sh) {
                        continue;
                    }
                    continue restart;
                }
                if (m != n) {
                    int sh = g.idrBits() * l;
                    id = ((id >> sh) ^ n ^ m) << sh;
                }
                if (id >= g.maxIdrBit() || id < 0) {
                    return ENOSPC;
                }
                if (l == 0) {
                    break;
                }
                if (p.child(m) == null) {
                    IdrLayer fresh = layerAlloc();
                    if (fresh == null) {
                        return ENOMEM;
                    }
                    fresh.layer = l - 1;
                    fresh.prefix = (int) id & g.layerPrefixMask(fresh.layer);
                    p.assignChild(m, fresh);
                    p.count++;
                }
                pa[l--] = p;
                p = (IdrLayer) p.child(m);
            }
            pa[l] = p;
            return (int) id;
        }
    }

    /** {@code idr_mark_full(pa, id)}: marks slot {@code id} full, and each layer above that this fills. */
    void markFull(IdrLayer[] pa, int id) {
        IdrLayer p = pa[0];
        int l = 0;
        Bitmaps.setBit(p.bitmap, id & g.idrMask());
        while (Bitmaps.full(p.bitmap, g.idrSize())) {
            p = pa[++l];
            if (p == null) {
                break;
            }
            id >>= g.idrBits();
            Bitmaps.setBit(p.bitmap, id & g.idrMask());
        }
    }

    // ---- removal ---------------------------------------------------------------------------------

    /** {@code idr_remove(idp, id)}: frees slot {@code id}, the layers it empties, and one top layer if it can. */
    void remove(int id) {
        if (id < 0) {
            return;
        }
        if (id > g.idrMax(layers)) {
            removeWarning(id);
            return;
        }
        subRemove((layers - 1) * g.idrBits(), id);
        IdrLayer t = (IdrLayer) TOP.get(this);
        if (t != null && t.count == 1 && layers > 1 && t.child(0) != null) {
            // Single child at the leftmost slot: this level is not needed any more.
            TOP.setRelease(this, (IdrLayer) t.child(0));
            --layers;
            t.count = 0;
            Bitmaps.clear(t.bitmap);
            freeLayer(t);
        }
    }

    /**
     * {@code sub_remove(idp, shift, id)}. The C code keeps {@code pa[]} as pointers to the slots on
     * the path ({@code &idp->top}, then {@code &p->ary[n]}), so it can clear the slot that held a
     * layer it frees; the model keeps each slot as its owner layer and index, owner null for the top.
     */
    private void subRemove(int shift, int id) {
        int depth = g.maxIdrLevel() + 2;
        IdrLayer[] owner = new IdrLayer[depth];
        int[] index = new int[depth];
        int paa = 1; // paa 0 is the NULL that ends the walk back up; 1 is &idp->top
        IdrLayer p = (IdrLayer) TOP.get(this);
        while (shift > 0 && p != null) {
            int n = (id >> shift) & g.idrMask();
            Bitmaps.clearBit(p.bitmap, n);
            paa++;
            owner[paa] = p;
            index[paa] = n;
            p = (IdrLayer) p.child(n);
            shift -= g.idrBits();
        }
        int n = id & g.idrMask();
        if (p == null || !Bitmaps.testBit(p.bitmap, n)) {
            removeWarning(id);
            return;
        }
        Bitmaps.clearBit(p.bitmap, n);
        p.assignChild(n, null);
        IdrLayer toFree = null;
        while (paa > 0) {
            IdrLayer layer = paa == 1 ? (IdrLayer) TOP.get(this) : (IdrLayer) owner[paa].child(index[paa]);
            if (--layer.count != 0) {
                break;
            }
            if (toFree != null) {
                freeLayer(toFree);
            }
            toFree = layer;
            if (paa == 1) {
                TOP.setRelease(this, (IdrLayer) null);
            } else {
                owner[paa].assignChild(index[paa], null);
            }
            paa--;
        }
        if (paa == 0) {
            layers = 0;
        }
        if (toFree != null) {
            freeLayer(toFree);
        }
    }

    /** {@code free_layer(idp, p)}: {@code call_rcu} in the kernel; no RCU readers here, so freed at once. */
    private void freeLayer(IdrLayer p) {
        memory.freeLayer(p);
    }

    /** {@code idr_remove_warning(id)}. */
    private void removeWarning(int id) {
        warn.accept("idr_remove called for id=" + id + " which is not allocated.");
    }

    // ---- state for the IDA and for checks --------------------------------------------------------

    /** {@code idp->top}, read by the lock holder. */
    IdrLayer top() {
        return (IdrLayer) TOP.get(this);
    }

    /** {@code idp->layers}, read by the lock holder. */
    int layers() {
        return layers;
    }

    /**
     * {@code __idr_remove_all(idp)}: unpublishes the tree and frees every layer in it. What the leaf
     * layers point to (the IDA's bitmaps) is the user's and is not freed.
     */
    void removeAll() {
        IdrLayer t = (IdrLayer) TOP.get(this);
        TOP.setRelease(this, (IdrLayer) null);
        if (t != null) {
            freeTree(t);
        }
        layers = 0;
    }

    private void freeTree(IdrLayer p) {
        if (p.layer > 0) {
            for (int n = 0; n < g.idrSize(); n++) {
                if (p.child(n) instanceof IdrLayer lower) {
                    freeTree(lower);
                }
            }
        }
        freeLayer(p);
    }

    /** {@code idr_destroy}'s second half: frees the layers left on the free list. */
    void destroyFreeList() {
        IdrLayer p;
        while ((p = getFromFreeList()) != null) {
            memory.freeLayer(p);
        }
    }
}
