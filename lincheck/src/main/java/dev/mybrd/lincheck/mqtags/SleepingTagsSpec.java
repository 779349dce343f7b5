package dev.mybrd.lincheck.mqtags;

/**
 * Sequential specification of {@link SleepingTags}: a get returns 1, a put 1 if its CPU holds a tag,
 * a depth change 0. Any order of these is valid; what the check adds is that every operation returns.
 */
public class SleepingTagsSpec {
    private final int[] held = new int[4];

    public int getBlocking(int cpu) {
        held[cpu]++;
        return 1;
    }

    public int put(int cpu) {
        if (held[cpu] == 0) {
            return 0;
        }
        held[cpu]--;
        return 1;
    }

    public int grow(int cpu) {
        return 0;
    }
}
