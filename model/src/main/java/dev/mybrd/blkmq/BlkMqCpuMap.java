package dev.mybrd.blkmq;

/**
 * {@code blk_mq_update_queue_map} / {@code cpu_to_queue_index} of v4.4 ({@code block/blk-mq-cpumap.c}),
 * spec 3.11 "Mapping": the k-th online CPU goes to queue {@code k * nr_queues / N}; when there are
 * fewer queues than CPUs and the machine has SMT siblings, only first siblings are counted
 * ({@code U} of them) and the other siblings share their first sibling's queue. The model's CPUs
 * are all online; {@code firstSibling[cpu]} describes the topology (identity: no SMT).
 */
public final class BlkMqCpuMap {
    private BlkMqCpuMap() {
    }

    /** {@code cpu_to_queue_index(nr_cpus, nr_queues, cpu)}. */
    static int cpuToQueueIndex(int nrCpus, int nrQueues, int cpu) {
        return cpu * nrQueues / nrCpus;
    }

    /** {@code blk_mq_map_queues}: {@code mq_map[]} for {@code firstSibling.length} online CPUs. */
    public static int[] mapQueues(int nrQueues, int[] firstSibling) {
        if (nrQueues < 1) {
            throw new IllegalArgumentException("-EINVAL: nr_queues must be >= 1, got " + nrQueues);
        }
        int nrCpus = firstSibling.length;
        int nrUniq = 0;
        for (int i = 0; i < nrCpus; i++) {
            if (firstSibling[i] < 0 || firstSibling[i] > i) {
                throw new IllegalArgumentException("-EINVAL: first sibling of cpu " + i + " is " + firstSibling[i]);
            }
            if (firstSibling[i] == i) {
                nrUniq++;
            }
        }
        int[] map = new int[nrCpus];
        int queue = 0;
        for (int i = 0; i < nrCpus; i++) {
            if (nrQueues >= nrCpus || nrCpus == nrUniq) {
                map[i] = cpuToQueueIndex(nrCpus, nrQueues, queue++);
            } else if (firstSibling[i] == i) {
                map[i] = cpuToQueueIndex(nrUniq, nrQueues, queue++);
            } else {
                map[i] = map[firstSibling[i]];
            }
        }
        return map;
    }

    /** A machine of {@code nrCpus} CPUs without SMT. */
    public static int[] noSmt(int nrCpus) {
        int[] s = new int[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            s[i] = i;
        }
        return s;
    }
}
