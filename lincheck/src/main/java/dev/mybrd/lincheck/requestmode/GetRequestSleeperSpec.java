package dev.mybrd.lincheck.requestmode;

/** Sequential specification of {@link GetRequestSleeper}: every operation returns. */
public class GetRequestSleeperSpec {
    public int submit(int cpu) {
        return 1;
    }

    public int complete(int cpu) {
        return 0;
    }
}
