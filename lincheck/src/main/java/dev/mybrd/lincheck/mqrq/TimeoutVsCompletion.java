package dev.mybrd.lincheck.mqrq;

import dev.mybrd.mqrq.BlkMqRq;
import dev.mybrd.mqrq.BlkMqTimeout;
import dev.mybrd.mqrq.TimeoutAnswer;
import dev.mybrd.mqrq.TimeoutScheme;
import java.util.List;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * KR-14: the timeout handler against the completion of the request it is handling. I/O 1 is
 * overdue (deadline 2, jiffies 5) and the driver answers {@code BLK_EH_RESET_TIMER} (the command
 * is still being worked on); meanwhile the device does finish it and its interrupt completes the
 * request. {@link #everyFinishedIoEnds} fails if, with both done, I/O 1 was not ended: its
 * completion was dropped and nothing will ever end it (it can only time out again).
 */
public abstract class TimeoutVsCompletion {
    private final BlkMqRq q = new BlkMqRq(scheme(), 2, 2);
    private final BlkMqTimeout timeout = new BlkMqTimeout(q, TimeoutAnswer.RESET_TIMER);

    protected TimeoutVsCompletion() {
        q.issue(1);
        q.setJiffies(5);
    }

    protected abstract TimeoutScheme scheme();

    /** The timeout handler's scan, on CPU 0. */
    @Operation
    public void timeoutScan() {
        timeout.run(0);
    }

    /** The device finishes I/O 1; its interrupt on CPU 1 completes the request. */
    @Operation
    public void complete() {
        q.deviceInterrupt(1, 1);
    }

    @Validate
    public void everyFinishedIoEnds() {
        List<String> v = q.audit().violationsAtRest();
        if (!v.isEmpty()) {
            throw new IllegalStateException(String.join("; ", v) + "; " + q.request());
        }
    }

    /** v4.4. */
    public static class AtomicFlags extends TimeoutVsCompletion {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.ATOMIC_FLAGS;
        }
    }

    /** 1d9bd5161ba3, the scheme 12f5b9314545 replaced. */
    public static class Generation extends TimeoutVsCompletion {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.GENERATION_RCU;
        }
    }

    /** 12f5b9314545. */
    public static class Refcount extends TimeoutVsCompletion {
        @Override
        protected TimeoutScheme scheme() {
            return TimeoutScheme.REFCOUNT;
        }
    }
}
