package dev.mybrd.idr;

/**
 * The sizes that shape an IDA: {@code IDR_BITS} (slots per {@code idr_layer} = {@code 1 << IDR_BITS}),
 * {@code IDA_BITMAP_BITS} (ids per leaf bitmap) and {@code MAX_IDR_SHIFT} (ids are below
 * {@code 1 << MAX_IDR_SHIFT}).
 *
 * <p>{@link #V4_4} is the kernel's: {@code IDR_BITS = 8} ({@code include/linux/idr.h} until v4.10
 * cut it to 6), {@code IDA_BITMAP_BITS = 960} on 64-bit ({@code IDA_CHUNK_SIZE} 128 bytes less the
 * {@code nr_busy} long: 15 longs of 64 bits; 992 on 32-bit; the 1024-bit leaf of v4.11's radix-tree
 * IDA dropped {@code nr_busy}), {@code MAX_IDR_SHIFT = 31}. The model checker also runs a reduced
 * geometry ({@link #small}) so that a handful of ids already crosses leaves, fills them and grows the
 * tree: the same code with smaller constants, the way the kernel itself runs with 6 or 8 bits.
 */
public record IdrGeometry(int idrBits, int bitmapBits, int maxIdShift) {
    /** The 64-bit v4.4 kernel: 256-slot layers, 960-id leaves, ids below 2^31. */
    public static final IdrGeometry V4_4 = new IdrGeometry(8, 960, 31);

    public IdrGeometry {
        if (idrBits < 1 || idrBits > 8) {
            throw new IllegalArgumentException("IDR_BITS must be in 1..8, got " + idrBits);
        }
        if (bitmapBits < 1 || bitmapBits > 4096) {
            throw new IllegalArgumentException("IDA_BITMAP_BITS must be in 1..4096, got " + bitmapBits);
        }
        if (maxIdShift < 2 || maxIdShift > 31) {
            throw new IllegalArgumentException("MAX_IDR_SHIFT must be in 2..31, got " + maxIdShift);
        }
    }

    /** A reduced tree: {@code 1 << idrBits} slots per layer, {@code bitmapBits} ids per leaf, ids below {@code 1 << maxIdShift}. */
    public static IdrGeometry small(int idrBits, int bitmapBits, int maxIdShift) {
        return new IdrGeometry(idrBits, bitmapBits, maxIdShift);
    }

    /** {@code IDR_SIZE}. */
    public int idrSize() {
        return 1 << idrBits;
    }

    /** {@code IDR_MASK}. */
    public int idrMask() {
        return idrSize() - 1;
    }

    /** {@code MAX_IDR_BIT}: the first id that can never be allocated. */
    public long maxIdrBit() {
        return 1L << maxIdShift;
    }

    /** {@code MAX_IDR_LEVEL}: the deepest tree, leaving room for an incomplete top layer. */
    public int maxIdrLevel() {
        return (maxIdShift + idrBits - 1) / idrBits;
    }

    /** {@code MAX_IDR_FREE}: layers {@code __idr_pre_get} keeps on the free list. */
    public int maxIdrFree() {
        return maxIdrLevel() * 2;
    }

    /** {@code idr_max(layers)}: the largest id a tree of {@code layers} layers can hold. */
    public int idrMax(int layers) {
        int bits = Math.min(layers * idrBits, maxIdShift);
        return (int) ((1L << bits) - 1);
    }

    /** {@code idr_layer_prefix_mask(layer)}: the id bits above what a layer at height {@code layer} covers. */
    public int layerPrefixMask(int layer) {
        return ~idrMax(layer + 1);
    }

    /** Longs needed for a bitmap of {@code bits} bits. */
    static int longsFor(int bits) {
        return (bits + Long.SIZE - 1) / Long.SIZE;
    }
}
