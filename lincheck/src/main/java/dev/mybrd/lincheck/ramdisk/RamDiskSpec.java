package dev.mybrd.lincheck.ramdisk;

import java.util.HashMap;
import java.util.Map;

/**
 * The sequential specification of the RAM disk (spec section 3.15's abstract state): a map from
 * sector to the pattern last written, absent meaning zeros. Method names and parameters match the
 * checked classes, as Lincheck requires.
 */
public class RamDiskSpec {
    private final Map<Integer, Integer> sectors = new HashMap<>();

    public int write(int cpu, int sector, int pattern) {
        sectors.put(sector, pattern);
        return 0;
    }

    public int read(int cpu, int sector) {
        return sectors.getOrDefault(sector, 0);
    }

    public int discard(int cpu, int page) {
        for (int s = page * 8; s < page * 8 + 8; s++) {
            sectors.remove(s);
        }
        return 0;
    }

    public int writeAcross(int cpu, int pattern) {
        for (int s = RamDiskOps.ACROSS_SECTOR; s < RamDiskOps.ACROSS_SECTOR + 8; s++) {
            sectors.put(s, pattern);
        }
        return 0;
    }

    public int readAcross(int cpu) {
        return 256 * read(cpu, RamDiskOps.ACROSS_SECTOR) + read(cpu, RamDiskOps.ACROSS_SECTOR + 4);
    }
}
