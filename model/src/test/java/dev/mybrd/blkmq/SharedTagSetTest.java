package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.block.Bio;
import dev.mybrd.block.ReqOp;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code blk_mq_add_queue_tag_set} / {@code blk_mq_del_queue_tag_set} and the timer's {@code blk_mq_tag_idle}. */
class SharedTagSetTest {
    private final Kernel kernel = new Kernel(4);
    private final List<BlkMqRequest> held = new ArrayList<>();

    /** A queue whose driver starts each request and keeps it. */
    private BlkMqQueue queue(BlkMqTagSet set, String name) {
        BlkMqQueue[] self = new BlkMqQueue[1];
        self[0] = new BlkMqQueue(kernel, name, set, (hctx, rq, last) -> {
            self[0].startRequest(rq);
            held.add(rq);
            return BlkMqOps.QueueRqResult.OK;
        }, 1024, Set.of());
        return self[0];
    }

    private static Bio write(long sector) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), 4096, 0);
    }

    @Test
    void theSecondQueueMakesTheSetAndEveryHctxShared() {
        BlkMqTagSet set = new BlkMqTagSet(kernel, 2, 8, 0, 0, BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE);
        BlkMqQueue a = queue(set, "a");
        assertThat(set.shared()).isFalse();
        assertThat(a.hctx(0).tagState().tagShared()).isFalse();
        BlkMqQueue b = queue(set, "b");
        assertThat(set.shared()).isTrue();
        assertThat(set.flags() & BlkMqTagSet.BLK_MQ_F_SHOULD_MERGE).isNotZero();
        assertThat(set.queues()).containsExactly(a, b);
        for (BlkMqQueue q : List.of(a, b)) {
            for (int h = 0; h < 2; h++) {
                assertThat(q.hctx(h).tagState().tagShared()).isTrue();
                assertThat(q.hctx(h).tagState().tags()).isSameAs(set.tags(h));
            }
        }
        assertThat(a.freeze().freezeDepth()).as("frozen and thawed while its flags changed").isZero();
    }

    @Test
    void anAllocationMarksTheQueueActiveAndTheTimerOfAQuietQueueIdlesIt() {
        BlkMqTagSet set = new BlkMqTagSet(kernel, 1, 8, 0, 0, 0);
        BlkMqQueue a = queue(set, "a");
        BlkMqQueue b = queue(set, "b");
        kernel.runOn(0, "io", () -> a.makeRequest(write(0)));
        kernel.runOn(1, "io", () -> b.makeRequest(write(0)));
        assertThat(set.tags(0).activeQueues()).isEqualTo(2);
        assertThat(a.hctx(0).tagState().nrActive()).isEqualTo(1);
        b.advanceJiffies(b.rqTimeout() / 2);
        kernel.runOn(2, "timer", b::timeoutScan);
        assertThat(set.tags(0).activeQueues()).as("b's request is started and pending: b stays active").isEqualTo(2);
        BlkMqRequest ra = held.get(0);
        kernel.runOn(0, "irq", () -> a.endRequest(ra, 0));
        assertThat(a.hctx(0).tagState().nrActive()).isZero();
        assertThat(set.tags(0).activeQueues()).as("only the timer idles a queue").isEqualTo(2);
        a.advanceJiffies(a.rqTimeout());
        assertThat(kernel.runOn(2, "timer", a::timeoutScan)).as("b's request is not a's to time out").isZero();
        assertThat(set.tags(0).activeQueues()).isEqualTo(1);
        assertThat(a.hctx(0).tagState().tagActive()).isFalse();
        assertThat(b.hctx(0).tagState().tagActive()).isTrue();
    }

    @Test
    void removingAQueueUnsharesTheLastOneAndV44LeavesItCounted() {
        for (BlkMqTagSet.Unshare u : BlkMqTagSet.Unshare.values()) {
            BlkMqTagSet set = new BlkMqTagSet(kernel, 1, 8, 0, 0, 0).withUnshare(u);
            BlkMqQueue a = queue(set, "a");
            BlkMqQueue b = queue(set, "b");
            kernel.runOn(0, "io", () -> a.makeRequest(write(0)));
            kernel.runOn(1, "io", () -> b.makeRequest(write(0)));
            List<BlkMqRequest> mine = new ArrayList<>(held);
            held.clear();
            kernel.runOn(0, "irq", () -> mine.forEach(rq -> (rq.mqCtx() == a.ctx(rq.mqCtx().cpu()) ? a : b)
                    .endRequest(rq, 0)));
            kernel.runOn(0, "rmmod", a::cleanupQueue);
            assertThat(set.shared()).isFalse();
            assertThat(set.queues()).containsExactly(b);
            assertThat(b.hctx(0).tagState().tagShared()).isFalse();
            kernel.runOn(0, "rmmod", b::cleanupQueue);
            assertThat(set.queues()).isEmpty();
            assertThat(set.tags(0).activeQueues()).as(u.toString())
                    .isEqualTo(u == BlkMqTagSet.Unshare.V4_4 ? 1 : 0);
        }
    }

    @Test
    void sharedTagSetRefusesBadInput() {
        MyBrd.Config mq = MyBrd.Config.defaults().withQueueMode(QueueMode.MQ);
        assertThatThrownBy(() -> MyBrd.sharedTagSet(kernel, MyBrd.Config.defaults(), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> MyBrd.sharedTagSet(kernel, mq, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> new BlkMqTagSet(kernel, 1, 8, 0, 0, 0).withUnshare(null))
                .isInstanceOf(IllegalArgumentException.class);
        List<MyBrd> disks = MyBrd.sharedTagSet(kernel, mq, 3);
        assertThat(disks).hasSize(3);
        assertThat(disks.get(0).mqQueue().tagSet()).isSameAs(disks.get(2).mqQueue().tagSet());
        assertThat(disks.get(1).mqQueue().hctx(0).tagState().tagShared()).isTrue();
    }
}
