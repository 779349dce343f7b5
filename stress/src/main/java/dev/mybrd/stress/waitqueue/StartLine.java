package dev.mybrd.stress.waitqueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A start line for the two actors of one sample, so that their races overlap in time. Not a test.
 *
 * <p>jcstress 0.16 runs each actor through a stride of samples with no synchronisation per sample,
 * so actors of different lengths drift apart and meet in the same sample only at the start of a
 * stride: with the model's tasks around them, the waker and the waiter of the SB tests overlapped in
 * about 0.03% of the samples. Each actor therefore arrives here, inside its task and right before its
 * first access of the race, and waits (bounded) for the other. This lines the two windows up; it does
 * not change what happens inside them: the store, the barrier (or its absence) and the load run
 * exactly as in the model. The correct twin waits at the same line.
 */
public final class StartLine {
    /** Spins before giving up on the partner (then the sample just runs unaligned). */
    private static final int MAX_SPINS = 1 << 20;
    private static final VarHandle ARRIVED;

    static {
        try {
            ARRIVED = MethodHandles.lookup().findVarHandle(StartLine.class, "arrived", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") private int arrived;

    /** Arrive, then wait until both actors have arrived. */
    public void await() {
        ARRIVED.getAndAdd(this, 1);
        for (int i = 0; i < MAX_SPINS && (int) ARRIVED.getAcquire(this) < 2; i++) {
            Thread.onSpinWait();
        }
    }
}
