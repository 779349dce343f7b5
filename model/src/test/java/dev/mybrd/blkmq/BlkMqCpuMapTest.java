package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** v4.4's {@code blk_mq_update_queue_map}: spread by CPU, or by core when queues are fewer than CPUs. */
class BlkMqCpuMapTest {
    @Test
    void withoutSmtTheKthCpuGoesToKTimesQueuesOverN() {
        assertThat(BlkMqCpuMap.mapQueues(1, BlkMqCpuMap.noSmt(4))).containsExactly(0, 0, 0, 0);
        assertThat(BlkMqCpuMap.mapQueues(2, BlkMqCpuMap.noSmt(4))).containsExactly(0, 0, 1, 1);
        assertThat(BlkMqCpuMap.mapQueues(3, BlkMqCpuMap.noSmt(4))).containsExactly(0, 0, 1, 2);
        assertThat(BlkMqCpuMap.mapQueues(8, BlkMqCpuMap.noSmt(4))).containsExactly(0, 2, 4, 6);
    }

    @Test
    void siblingsShareTheirFirstSiblingsQueueWhenQueuesAreFewerThanCpus() {
        int[] twoCoresTwoThreads = {0, 0, 2, 2}; // cpus 0,1 on core 0; 2,3 on core 1
        assertThat(BlkMqCpuMap.mapQueues(2, twoCoresTwoThreads)).containsExactly(0, 0, 1, 1);
        int[] interleaved = {0, 1, 0, 1}; // cpu 2 is cpu 0's sibling, cpu 3 is cpu 1's
        assertThat(BlkMqCpuMap.mapQueues(2, interleaved)).containsExactly(0, 1, 0, 1);
        assertThat(BlkMqCpuMap.mapQueues(4, interleaved)).as("enough queues: by CPU").containsExactly(0, 1, 2, 3);
    }

    @Test
    void badInputIsEinval() {
        assertThatThrownBy(() -> BlkMqCpuMap.mapQueues(0, BlkMqCpuMap.noSmt(4))).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> BlkMqCpuMap.mapQueues(2, new int[] {1, 0})).hasMessageContaining("-EINVAL");
    }
}
