package dev.mybrd.kernel;

/**
 * The errno values the model returns, with the numbers of {@code include/uapi/asm-generic/errno-base.h}
 * and {@code errno.h}. Kernel functions return them negated ({@code -ENOSPC}); {@link #negative()} gives
 * that form.
 */
public enum Errno {
    EIO(5), ENXIO(6), EAGAIN(11), ENOMEM(12), EBUSY(16), EEXIST(17), ENODEV(19), EINVAL(22), ENOSPC(28), EOPNOTSUPP(95);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno number, as in errno.h. */
    public int number() {
        return number;
    }

    /** The value a kernel function returns for this error, e.g. -28 for ENOSPC. */
    public int negative() {
        return -number;
    }
}
