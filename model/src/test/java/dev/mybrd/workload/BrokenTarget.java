package dev.mybrd.workload;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device that misbehaves on purpose, to prove the workload sees each kind of failure: it forwards
 * to a real mybrd but, for every {@code every}-th bio of the chosen kind, drops it, completes it
 * twice, corrupts what a read returned, or acknowledges a write without storing it. With
 * {@code async} it completes every bio later on a completer thread, as an interrupt-driven mode does.
 */
final class BrokenTarget implements IoTarget, AutoCloseable {
    enum Fault { NONE, DROP, DOUBLE, CORRUPT_READ, ACK_WRITE_WITHOUT_DATA }

    private final IoTarget inner;
    private final Fault fault;
    private final int every;
    private final boolean async;
    private final AtomicLong seen = new AtomicLong();
    private final LinkedBlockingQueue<Bio> queue = new LinkedBlockingQueue<>();
    private final Thread completer;
    private volatile boolean closing;

    BrokenTarget(IoTarget inner, Fault fault, int every, boolean async) {
        this.inner = inner;
        this.fault = fault;
        this.every = every;
        this.async = async;
        this.completer = async ? new Thread(this::complete, "completer") : null;
        if (async) {
            completer.setDaemon(true);
            completer.start();
        }
    }

    @Override
    public Kernel kernel() {
        return inner.kernel();
    }

    @Override
    public long capacitySectors() {
        return inner.capacitySectors();
    }

    @Override
    public int logicalBlockSize() {
        return inner.logicalBlockSize();
    }

    @Override
    public boolean completesInline() {
        return !async;
    }

    @Override
    public String describe() {
        return "broken(" + fault + " every " + every + (async ? ", async" : "") + ") " + inner.describe();
    }

    @Override
    public void submit(Bio bio) {
        if (async) {
            queue.add(bio);
        } else {
            handle(bio);
        }
    }

    private boolean hits(Bio bio) {
        boolean kind = switch (fault) {
            case NONE -> false;
            case DROP, DOUBLE -> true;
            case CORRUPT_READ -> bio.op() == ReqOp.READ;
            case ACK_WRITE_WITHOUT_DATA -> bio.op() == ReqOp.WRITE;
        };
        return kind && seen.incrementAndGet() % every == 0;
    }

    private void handle(Bio bio) {
        if (!hits(bio)) {
            inner.submit(bio);
            return;
        }
        switch (fault) {
            case DROP -> { }
            case DOUBLE -> {
                inner.submit(bio);
                bio.endio(BlkStatus.OK);
            }
            case CORRUPT_READ -> {
                // Flip a byte before bi_end_io hands the data back: a driver that copies wrongly.
                Bio shadow = Bio.of(ReqOp.READ, bio.sector());
                bio.vecs().forEach(v -> shadow.addPage(v.page(), v.len(), v.offset()));
                inner.submit(shadow);
                bio.vecs().get(0).page().kmap()[bio.vecs().get(0).offset() + 100] ^= 1;
                bio.endio(shadow.status());
            }
            case ACK_WRITE_WITHOUT_DATA -> bio.endio(BlkStatus.OK);
            default -> throw new AssertionError(fault);
        }
    }

    /** The completer: ends queued bios on CPU 0, as an interrupt would. */
    private void complete() {
        while (!closing) {
            try {
                Bio bio = queue.poll(10, TimeUnit.MILLISECONDS);
                if (bio != null) {
                    try {
                        kernel().runOn(0, "completer", () -> handle(bio));
                    } catch (RuntimeException e) {
                        // A second bio_endio's KernelBug: the interrupt context absorbs it, the workload counts it.
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        if (completer != null) {
            completer.join(5_000);
        }
    }
}
