package dev.mybrd.lincheck.mqrq;

import dev.mybrd.mqrq.BlkMqRq;
import dev.mybrd.mqrq.BlkMqTimeout;
import dev.mybrd.mqrq.TimeoutAnswer;
import dev.mybrd.mqrq.TimeoutScheme;
import java.util.List;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-13: the timeout handler against the reuse of the request it is looking at. I/O 1 was started
 * at jiffies 0 with a timeout of 2 and it is now jiffies 5: it is overdue. {@link #timeoutScan} runs
 * the timeout handler once (the driver aborts whatever it is asked to); {@link #completeAndReuse}
 * is the device finishing I/O 1 (its interrupt completes the request, which frees it) followed by a
 * new I/O 2 that gets the same tag and request and starts with deadline 7.
 *
 * <p>Either I/O 1 ends once (by its completion or by the timeout) and I/O 2 is left alone, since
 * it is not overdue. {@link #eachUseEndsOnceAndOnlyWhenDue} fails when the timeout handler calls
 * the driver for I/O 2 (a spurious termination) or an I/O ends twice.
 */
public abstract class TimeoutVsReuse {
    private final BlkMqRq q = new BlkMqRq(scheme(), 2, 2);
    private final BlkMqTimeout timeout = new BlkMqTimeout(q, TimeoutAnswer.ABORT);

    protected TimeoutVsReuse() {
        q.issue(1);
        q.setJiffies(5);
    }

    protected abstract TimeoutScheme scheme();

    /** The timeout handler's scan, on CPU 0. */
    @Operation
    public void timeoutScan() {
        timeout.run(0);
    }

    /** I/O 1 completes (interrupt on CPU 1); I/O 2 reuses the request. */
    @Operation
    public void completeAndReuse() {
        q.deviceInterrupt(1, 1);
        q.issue(2);
    }

    @Validate
    public void eachUseEndsOnceAndOnlyWhenDue() {
        List<String> v = q.audit().violations();
        if (!v.isEmpty()) {
            throw new IllegalStateException(String.join("; ", v) + "; " + q.request());
        }
    }

    /** v4.4: REQ_ATOM_STARTED, REQ_ATOM_COMPLETE and a plain deadline. */
    public static class AtomicFlags extends TimeoutVsReuse {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.ATOMIC_FLAGS;
        }
    }

    /** 1d9bd5161ba3: generation + state word, seqcount, RCU. */
    public static class Generation extends TimeoutVsReuse {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.GENERATION_RCU;
        }
    }

    /** 12f5b9314545: state machine with cmpxchg and a reference. */
    public static class Refcount extends TimeoutVsReuse {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.REFCOUNT;
        }
    }
}
