package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkPlug;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.DiskStats.Field;
import dev.mybrd.block.Jiffies;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import dev.mybrd.rcu.Rcu;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** blk-mq's plug and accounting, step by step, with a driver that records and ends or refuses. */
class BlkMqPlugTest {
    private final Kernel kernel = new Kernel();
    private final List<BlkMqRequest> dispatched = new ArrayList<>();
    private final PartStat stats = new PartStat(kernel, new Rcu(kernel), new Jiffies());
    private BlkMqOps.QueueRqResult answer = BlkMqOps.QueueRqResult.OK;
    private BlkMqQueue q;

    private BlkMqQueue queue(int hw, int depth, Set<MqBug> bugs) {
        q = new BlkMqQueue(kernel, "t", new BlkMqTagSet(kernel, hw, depth, 0, 8, BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE),
                (hctx, rq, last) -> {
                    dispatched.add(rq);
                    if (answer != BlkMqOps.QueueRqResult.OK) {
                        return answer;
                    }
                    q.startRequest(rq);
                    q.endRequest(rq, 0);
                    return BlkMqOps.QueueRqResult.OK;
                }, 1024, bugs);
        q.setStats(stats);
        return q;
    }

    private static Bio bio(long sector) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), 4096, 0);
    }

    @Test
    void oneHardwareQueuePlugsEveryRequestMergesInThePlugAndFlushesSortedAtFinish() {
        queue(1, 16, Set.of());
        Bio a = bio(64);
        Bio b = bio(72); // back merge into a's request in the plug
        Bio c = bio(0);
        int[] plugged = new int[1];
        kernel.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            q.makeRequest(a);
            q.makeRequest(b);
            q.makeRequest(c);
            plugged[0] = plug.size();
            assertThat(dispatched).as("nothing reaches the driver while plugged").isEmpty();
            BlkPlug.finish(kernel, plug);
            assertThat(plug.size()).isZero();
        });
        assertThat(plugged[0]).isEqualTo(2);
        assertThat(dispatched).extracting(BlkMqRequest::pos).as("sorted by sector").containsExactly(0L, 64L);
        assertThat(List.of(a, b, c)).allMatch(x -> x.endioCalls() == 1 && x.status() == BlkStatus.OK);
        assertThat(stats.partStatRead(Field.IOS_WRITE)).isEqualTo(2);
        assertThat(stats.partStatRead(Field.MERGES_WRITE)).isEqualTo(1);
        assertThat(stats.partStatRead(Field.SECTORS_WRITE)).isEqualTo(24);
        assertThat(stats.inFlight(PartStat.WRITE)).isZero();
    }

    @Test
    void theSeventeenthRequestFlushesThePlugFirst() {
        queue(1, 64, Set.of());
        int[] most = {0};
        kernel.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            for (int i = 0; i < 17; i++) {
                q.makeRequest(bio(16L * i));
                most[0] = Math.max(most[0], plug.size());
            }
            assertThat(plug.size()).as("16 flushed, the 17th plugged").isEqualTo(1);
            assertThat(dispatched).hasSize(BlkPlug.BLK_MAX_REQUEST_COUNT);
            BlkPlug.finish(kernel, plug);
        });
        assertThat(most[0]).isEqualTo(BlkPlug.BLK_MAX_REQUEST_COUNT);
        assertThat(dispatched).hasSize(17);
    }

    @Test
    void severalHardwareQueuesKeepOnePluggedRequestAndIssueTheDisplacedOneDirectly() {
        queue(2, 16, Set.of());
        Bio a = bio(0);
        Bio b = bio(64);
        kernel.runOn(0, "job", () -> {
            BlkPlug plug = BlkPlug.start(kernel);
            q.makeRequest(a);
            assertThat(dispatched).isEmpty();
            q.makeRequest(b);
            assertThat(plug.size()).isEqualTo(1);
            assertThat(a.ended()).as("a was issued directly when b displaced it").isTrue();
            assertThat(b.ended()).isFalse();
            BlkPlug.finish(kernel, plug);
        });
        assertThat(b.status()).isEqualTo(BlkStatus.OK);
        assertThat(q.hctx(0).runsCount()).as("the flush ran hctx0 for b").isEqualTo(1);
    }

    @Test
    void aDirectIssueAnsweredBusyIsInsertedWithAnAsyncRunAndTheSeededBugLosesIt() {
        for (boolean seeded : new boolean[] {false, true}) {
            dispatched.clear();
            queue(2, 4, seeded ? Set.of(MqBug.DIRECT_ISSUE_BUSY_DROPPED) : Set.of());
            answer = BlkMqOps.QueueRqResult.BUSY;
            Bio a = bio(0);
            kernel.runOn(0, "io", () -> q.makeRequest(a));
            assertThat(q.busyCount()).isEqualTo(1);
            answer = BlkMqOps.QueueRqResult.OK;
            kernel.runOn(1, "kblockd", () -> q.runPendingWork());
            assertThat(a.ended()).as(seeded ? "seeded: lost" : "re-run from its ctx").isEqualTo(!seeded);
        }
    }

    @Test
    void anErrorEndIsAccountedAndTheSeededBugLeaksInFlight() {
        for (boolean seeded : new boolean[] {false, true}) {
            PartStat st = new PartStat(kernel, new Rcu(kernel), new Jiffies());
            queue(1, 4, seeded ? Set.of(MqBug.ACCOUNT_DONE_SKIPPED_ON_ERROR) : Set.of());
            q.setStats(st);
            answer = BlkMqOps.QueueRqResult.ERROR;
            Bio a = bio(0);
            kernel.runOn(0, "io", () -> q.makeRequest(a));
            assertThat(a.status()).isEqualTo(BlkStatus.IOERR);
            assertThat(st.partStatRead(Field.SECTORS_WRITE)).as("blk_update_request accounts failed bytes").isEqualTo(8);
            assertThat(st.inFlight(PartStat.WRITE)).isEqualTo(seeded ? 1 : 0);
            assertThat(st.partStatRead(Field.IOS_WRITE)).isEqualTo(seeded ? 0 : 1);
        }
    }
}
