package dev.mybrd.block;

import dev.mybrd.kernel.Errno;

/**
 * The completion status of a bio. v4.4 stores it as a negative errno in {@code bio->bi_error}
 * (0 on success); 4.13 renamed it {@code blk_status_t}. {@link #errno()} gives the v4.4 value.
 */
public enum BlkStatus {
    OK(0),
    IOERR(Errno.EIO.negative()),
    NOSPC(Errno.ENOSPC.negative()),
    NOTSUPP(Errno.EOPNOTSUPP.negative()),
    NOMEM(Errno.ENOMEM.negative()),
    NODEV(Errno.ENODEV.negative());

    private final int errno;

    BlkStatus(int errno) {
        this.errno = errno;
    }

    /** The v4.4 {@code bi_error} value: 0 or a negative errno. */
    public int errno() {
        return errno;
    }

    /** The status for a v4.4 {@code bi_error} value. */
    public static BlkStatus of(int errno) {
        for (BlkStatus s : values()) {
            if (s.errno == errno) {
                return s;
            }
        }
        throw new IllegalArgumentException("no block status for errno " + errno);
    }
}
