package dev.mybrd.mqrq;

import java.util.Objects;

/**
 * blk-mq's timeout handler on a {@link BlkMqRq}: one scan over the busy tags, as the timer
 * ({@code blk_mq_rq_timer}, v4.4) or the timeout work ({@code blk_mq_timeout_work}, later) runs it,
 * and the driver's {@code blk_mq_ops->timeout}, which answers {@link TimeoutAnswer}.
 *
 * <ul>
 *   <li>{@link TimeoutScheme#ATOMIC_FLAGS} (v4.4 {@code blk_mq_check_expired},
 *       {@code blk_mq_rq_timed_out}): STARTED set and the deadline passed, then
 *       {@code blk_mark_rq_complete} decides, and STARTED is tested once more. The three reads
 *       may each see a different use of the request.
 *   <li>{@link TimeoutScheme#GENERATION_RCU} (1d9bd5161ba3): read {@code gstate} and
 *       {@code deadline} coherently under {@code gstate_seq}; if in flight and overdue, record
 *       the generation in {@code aborted_gstate}; {@code synchronize_rcu}; then
 *       ({@code blk_mq_terminate_expired}) time it out only if {@code gstate} still equals the
 *       claim. {@code BLK_EH_RESET_TIMER} clears the claim and re-arms the deadline; a completion
 *       that came while the claim stood was dropped.
 *   <li>{@link TimeoutScheme#REFCOUNT} (12f5b9314545): a quick {@code blk_mq_req_expired}, then
 *       {@code refcount_inc_not_zero(&rq->ref)} pins this use (its tag cannot be freed and
 *       reallocated), the expiry is checked again, the driver is called, and the reference is put
 *       (the last put frees the tag).
 * </ul>
 */
public final class BlkMqTimeout {
    private final BlkMqRq q;
    private final TimeoutAnswer answer;

    public BlkMqTimeout(BlkMqRq q, TimeoutAnswer answer) {
        this.q = Objects.requireNonNull(q, "q");
        this.answer = Objects.requireNonNull(answer, "answer");
    }

    /** One run of the timeout handler on {@code cpu} (process context: the kworker, or the timer). */
    public void run(int cpu) {
        if (!q.tagBusy()) {
            return; // bt_for_each visits busy tags only
        }
        switch (q.scheme) {
            case ATOMIC_FLAGS -> checkExpiredFlags();
            case GENERATION_RCU -> {
                if (checkExpiredGeneration()) {
                    q.rcu.synchronizeRcu(cpu); // completions that missed the claim have finished
                    terminateExpired();
                }
            }
            case REFCOUNT -> checkExpiredRef(cpu);
        }
    }

    // ---- v4.4 ----

    /** v4.4 {@code blk_mq_check_expired}. */
    private void checkExpiredFlags() {
        MqRequest rq = q.rq;
        if (!rq.started()) {
            return;
        }
        if (q.jiffies() >= rq.deadline()) {        // time_after_eq(jiffies, rq->deadline)
            if (!rq.markComplete()) {
                rqTimedOutFlags();
            }
        }
    }

    /** v4.4 {@code blk_mq_rq_timed_out}: COMPLETE is ours; STARTED is tested again. */
    private void rqTimedOutFlags() {
        MqRequest rq = q.rq;
        if (!rq.started()) {
            return; // raced with a completion: not active any more
        }
        if (driverTimeout() == TimeoutAnswer.ABORT) {
            q.driverAbort(rq.io(), () -> q.completeLocked("timeout")); // BLK_EH_HANDLED
        } else {
            q.addTimer();                            // BLK_EH_RESET_TIMER
            rq.clearFlag(MqRequest.REQ_ATOM_COMPLETE); // blk_clear_rq_complete
        }
    }

    // ---- 1d9bd5161ba3 ----

    /** {@code blk_mq_check_expired} of 1d9bd5161ba3: true if it claimed an overdue generation. */
    private boolean checkExpiredGeneration() {
        MqRequest rq = q.rq;
        long gstate;
        long deadline;
        int start;
        do {
            start = rq.readSeqBegin();
            gstate = rq.gstate();
            deadline = rq.deadline();
        } while (rq.readSeqRetry(start));
        if ((gstate & MqRequest.MQ_RQ_STATE_MASK) == MqRequest.MQ_RQ_IN_FLIGHT && q.jiffies() >= deadline) {
            rq.setAbortedGstate(gstate); // blk_mq_rq_update_aborted_gstate
            return true;
        }
        return false;
    }

    /** {@code blk_mq_terminate_expired}: after the grace period, the claim still matches: ours. */
    private void terminateExpired() {
        MqRequest rq = q.rq;
        if (q.tagBusy() && rq.gstate() == rq.abortedGstate()) {
            if (driverTimeout() == TimeoutAnswer.ABORT) {
                q.driverAbort(rq.io(), () -> q.completeLocked("timeout")); // BLK_EH_HANDLED
            } else {
                rq.setAbortedGstate(0);               // BLK_EH_RESET_TIMER: drop the claim
                q.addTimer();
            }
        }
    }

    // ---- 12f5b9314545 ----

    /** {@code blk_mq_req_expired}. */
    private boolean reqExpired() {
        MqRequest rq = q.rq;
        return rq.state() == MqRequest.MQ_RQ_IN_FLIGHT && q.jiffies() >= rq.deadline();
    }

    /** {@code blk_mq_check_expired} of 12f5b9314545. */
    private void checkExpiredRef(int cpuOfScan) {
        MqRequest rq = q.rq;
        if (!reqExpired()) {
            return;
        }
        if (!rq.refIncNotZero()) {
            return; // the completion freed it first
        }
        if (reqExpired()) {                           // still this use, still overdue
            if (driverTimeout() == TimeoutAnswer.ABORT) {
                q.driverAbort(rq.io(), () -> q.completeRequest(cpuOfScan, "timeout")); // the driver completes it: BLK_EH_DONE
            } else {
                q.addTimer();                         // BLK_EH_RESET_TIMER
            }
        }
        q.putRef();
    }

    /** The driver's {@code ->timeout} for the request's current use. */
    private TimeoutAnswer driverTimeout() {
        MqRequest rq = q.rq;
        q.audit.timeoutHandlerCalled(rq.io(), rq.deadline(), q.jiffies());
        return answer;
    }
}
