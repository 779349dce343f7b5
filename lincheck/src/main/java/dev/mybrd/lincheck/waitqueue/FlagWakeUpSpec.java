package dev.mybrd.lincheck.waitqueue;

/**
 * Sequential specification of {@link FlagWakeUp}: a waiter returns 1 (it saw the flag), a waker 0.
 * Any order is a valid sequential history; what the check adds is that every operation returns, i.e.
 * no waiter sleeps for ever.
 */
public class FlagWakeUpSpec {
    public int waitForFlag(int cpu) {
        return 1;
    }

    public int setFlagAndWake(int cpu) {
        return 0;
    }
}
