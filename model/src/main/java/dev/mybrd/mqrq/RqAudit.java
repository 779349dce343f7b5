package dev.mybrd.mqrq;

import java.util.ArrayList;
import java.util.List;

/**
 * What a check needs to know about the I/Os a reused request carried, kept beside the kernel's
 * state (it is not kernel state): each use of a request (an instance, numbered from 1) is ended
 * once, by its completion or by the timeout path, and the driver's timeout handler is called only
 * for an instance whose own deadline has passed. A violation is recorded with its reason; the
 * checks read {@link #violations()} after the run.
 */
public final class RqAudit {
    /** Instances a scenario can use (numbered 1..MAX-1). */
    private static final int MAX = 8;
    private final int[] ends = new int[MAX];
    private final String[] endedBy = new String[MAX];
    private final boolean[] deviceDone = new boolean[MAX];
    private final List<String> violations = new ArrayList<>();

    /** The device finished instance {@code n}: its interrupt will call the completion path. */
    synchronized void deviceCompleted(int n) {
        deviceDone[n] = true;
    }

    /** {@code blk_mq_end_request} ended instance {@code n}. */
    synchronized void ended(int n, String by) {
        ends[n]++;
        if (ends[n] > 1) {
            violations.add("instance " + n + " ended twice (" + endedBy[n] + ", then " + by + ")");
        }
        endedBy[n] = by;
    }

    /** The driver's timeout handler was called for instance {@code n}. */
    synchronized void timeoutHandlerCalled(int n, long deadline, long jiffies) {
        if (jiffies < deadline) {
            violations.add("instance " + n + " terminated spuriously: its deadline is " + deadline
                    + " and jiffies is " + jiffies + " (the timeout path judged an earlier use of the request)");
        }
    }

    /** How often instance {@code n} was ended. */
    public synchronized int ends(int n) {
        return ends[n];
    }

    /** Whether instance {@code n} was ended, and by whom ({@code null} if not). */
    public synchronized String endedBy(int n) {
        return endedBy[n];
    }

    /**
     * Once every thread has finished: the violations recorded, plus one for each instance the
     * device finished that nobody ended (its completion was dropped and nothing will end it).
     */
    public synchronized List<String> violationsAtRest() {
        List<String> all = new ArrayList<>(violations);
        for (int n = 1; n < MAX; n++) {
            if (deviceDone[n] && ends[n] == 0) {
                all.add("instance " + n + " lost its completion: the device finished it, the completion was"
                        + " ignored and the request stays in flight");
            }
        }
        return all;
    }

    /** The violations recorded when they happened. */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
