package dev.mybrd.lincheck.requestmode;

/** Sequential specification of {@link WokenSleeperBatcher}: the sleeper gets its request, the driver returns. */
public class WokenSleeperBatcherSpec {
    public int sleeper() {
        return 1;
    }

    public int driver() {
        return 0;
    }
}
