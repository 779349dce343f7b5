package dev.mybrd.block;

/**
 * What a bio asks for. v4.4 encodes it in {@code bio->bi_rw} ({@code READ}/{@code WRITE} plus the
 * {@code REQ_DISCARD} and {@code REQ_FLUSH} flags); later kernels call it {@code req_op}.
 */
public enum ReqOp {
    READ, WRITE, DISCARD, FLUSH;

    /** {@code op_is_write()}: the bio moves data or state toward the device. */
    public boolean isWrite() {
        return this != READ;
    }

    /** Whether the bio carries data segments. */
    public boolean hasData() {
        return this == READ || this == WRITE;
    }
}
