package dev.mybrd.idr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct idr_layer}: one node of the IDR tree. {@code ary} holds {@code IDR_SIZE} children
 * (lower layers, or, in a leaf layer of an IDA, {@link IdaBitmap}s); {@code bitmap} has a bit set for
 * each child that is full (no free id below it); {@code count} is the number of non-null children;
 * {@code layer} is the distance from the leaves; {@code prefix} the id bits above what the layer
 * covers. A free layer is linked through {@code ary[0]} on the IDR's free list, as in C.
 *
 * <p>Children are published with release stores ({@code rcu_assign_pointer}) because {@code idr_find}
 * may walk the tree under RCU; the IDA itself reads them only under its caller's lock. The other
 * fields are plain and belong to whoever holds that lock.
 */
final class IdrLayer {
    private static final VarHandle ARY = MethodHandles.arrayElementVarHandle(Object[].class);

    int prefix;
    int layer;
    final Object[] ary;
    int count;
    final long[] bitmap;

    /** {@code kmem_cache_zalloc(idr_layer_cache)}: a zeroed layer. */
    IdrLayer(IdrGeometry g) {
        this.ary = new Object[g.idrSize()];
        this.bitmap = new long[IdrGeometry.longsFor(g.idrSize())];
    }

    /** {@code p->ary[n]}, a plain read (the writer's lock or RCU orders it). */
    Object child(int n) {
        return ary[n];
    }

    /** {@code rcu_assign_pointer(p->ary[n], v)}. */
    void assignChild(int n, Object v) {
        ARY.setRelease(ary, n, v);
    }
}
