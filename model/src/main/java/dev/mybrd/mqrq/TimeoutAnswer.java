package dev.mybrd.mqrq;

/** What the driver's {@code blk_mq_ops->timeout} decides for a request the block layer says timed out. */
public enum TimeoutAnswer {
    /**
     * Abort the command and end the request with an error: {@code BLK_EH_HANDLED} (the block layer
     * completes it) up to v4.17; from 12f5b9314545's series on, the driver completes it itself with
     * {@code blk_mq_complete_request} and answers {@code BLK_EH_DONE}.
     */
    ABORT,
    /** {@code BLK_EH_RESET_TIMER}: the command is still being worked on; re-arm its deadline. */
    RESET_TIMER
}
