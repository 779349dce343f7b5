package dev.mybrd.lincheck.mqtags;

/** Sequential specification of {@link TagSet}: a set of {@value TagSet#DEPTH} tags, counted per CPU. */
public class TagSetSpec {
    private final int[] held = new int[4];
    private int total;

    public int get(int cpu) {
        if (total == TagSet.DEPTH) {
            return 0;
        }
        held[cpu]++;
        total++;
        return 1;
    }

    public int put(int cpu) {
        if (held[cpu] == 0) {
            return 0;
        }
        held[cpu]--;
        total--;
        return 1;
    }
}
