package dev.mybrd.idr;

/**
 * {@code struct ida_bitmap}: a leaf of the IDA, {@code nr_busy} and {@code IDA_BITMAP_BITS} bits, one
 * per id; bit {@code t} of the bitmap in IDR slot {@code idr_id} is id
 * {@code idr_id * IDA_BITMAP_BITS + t}. Plain fields: the IDA's caller serialises every access.
 */
final class IdaBitmap {
    long nrBusy;
    final long[] bitmap;

    /** {@code kmalloc(sizeof(struct ida_bitmap))}: contents undefined until the IDA clears them. */
    IdaBitmap(IdrGeometry g) {
        this.bitmap = new long[IdrGeometry.longsFor(g.bitmapBits())];
    }

    /** {@code memset(bitmap, 0, sizeof(struct ida_bitmap))}. */
    void clear() {
        nrBusy = 0;
        Bitmaps.clear(bitmap);
    }
}
