package dev.mybrd.kernel;

/** The softirq vectors of v4.4 ({@code include/linux/interrupt.h}), in priority order. */
public enum Softirq {
    HI, TIMER, NET_TX, NET_RX, BLOCK, BLOCK_IOPOLL, TASKLET, SCHED, HRTIMER, RCU;

    int bit() {
        return 1 << ordinal();
    }
}
