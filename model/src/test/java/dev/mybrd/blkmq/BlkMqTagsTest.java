package dev.mybrd.blkmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The single-threaded steps of the tag map: layout, numbering, hints, put, depth, fair share, bad input. */
class BlkMqTagsTest {
    private final Kernel kernel = new Kernel(4);

    /** v4.4's bt_alloc, computed independently: 64 per word below depth 4, else the largest power of two t with 4t <= depth. */
    @Test
    void bitsPerWordMapNrAndWakeCntForEveryDepth() {
        for (int depth = 1; depth <= BlkMqTags.BLK_MQ_MAX_DEPTH; depth++) {
            int expectedBits = 6;
            if (depth >= 4) {
                expectedBits = 0;
                while (expectedBits < 6 && (4 << (expectedBits + 1)) <= depth) {
                    expectedBits++;
                }
            }
            int tagsPerWord = 1 << expectedBits;
            assertThat(BlkMqBitmapTags.bitsPerWord(depth)).as("bits_per_word(%d)", depth).isEqualTo(expectedBits);
            assertThat(BlkMqBitmapTags.mapNr(depth)).as("map_nr(%d)", depth)
                    .isEqualTo((depth + tagsPerWord - 1) / tagsPerWord);
            assertThat(BlkMqBitmapTags.wakeCnt(depth)).as("wake_cnt(%d)", depth)
                    .isEqualTo(Math.max(1, Math.min(8, depth / 8)));
        }
        BlkMqBitmapTags bt = new BlkMqTags(kernel, 64, 0).bitmapTags();
        assertThat(bt.mapNr()).isEqualTo(4);
        assertThat(bt.bitsPerWord()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(bt.word(i).depth()).isEqualTo(16);
        }
        BlkMqBitmapTags odd = new BlkMqTags(kernel, 70, 0).bitmapTags(); // 16 per word: 16, 16, 16, 16, 6
        assertThat(odd.mapNr()).isEqualTo(5);
        assertThat(odd.word(4).depth()).isEqualTo(6);
        assertThat(new BlkMqTags(kernel, 3, 0).bitmapTags().mapNr()).isEqualTo(1);
    }

    @Test
    void normalTagsFollowTheReservedOnes() {
        BlkMqTags tags = new BlkMqTags(kernel, 8, 2);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        Set<Integer> normal = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            normal.add(get(q, 0, false, false));
        }
        assertThat(normal).containsExactlyInAnyOrder(2, 3, 4, 5, 6, 7);
        assertThat(get(q, 0, false, false)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        assertThat(List.of(get(q, 1, false, true), get(q, 1, false, true))).containsExactlyInAnyOrder(0, 1);
        assertThat(get(q, 1, false, true)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        assertThat(tags.bitmapTags().busyTags()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(tags.breservedTags().busyTags()).containsExactly(0, 1);
        put(q, 0, 4);
        put(q, 0, 1);
        assertThat(tags.bitmapTags().busyTags()).containsExactly(0, 1, 3, 4, 5);
        assertThat(tags.breservedTags().busyTags()).containsExactly(0);
    }

    @Test
    void reservedAllocationWithoutReservedTagsWarnsAndFails() {
        BlkMqTags tags = new BlkMqTags(kernel, 4, 0);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        assertThat(get(q, 0, true, true)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("WARNING") && l.contains("reserved"));
    }

    /** FIFO: the hint moves past the hinted tag it got, and a put makes the freed tag the hint. */
    @Test
    void fifoHintAdvancesOnTheHintedTagAndFollowsFrees() {
        BlkMqTags tags = new BlkMqTags(kernel, 16, 0); // 4 words of 4
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        assertThat(get(q, 0, false, false)).isEqualTo(0);
        assertThat(q.ctx(0).get()).isEqualTo(1);
        assertThat(get(q, 0, false, false)).isEqualTo(1);
        put(q, 0, 0);
        assertThat(q.ctx(0).get()).isEqualTo(0);
        assertThat(get(q, 0, false, false)).isEqualTo(0); // hot-tag reuse
        assertThat(q.ctx(0).get()).isEqualTo(1);
        assertThat(get(q, 0, false, false)).isEqualTo(2); // hint 1 is taken: found 2, hint stays
        assertThat(q.ctx(0).get()).isEqualTo(1);
    }

    @Test
    void roundRobinHintAlwaysAdvancesAndPutLeavesIt() {
        BlkMqTags tags = new BlkMqTags(kernel, 16, 0, AllocPolicy.RR, Set.of());
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        assertThat(get(q, 0, false, false)).isEqualTo(0);
        assertThat(get(q, 0, false, false)).isEqualTo(1);
        put(q, 0, 0);
        assertThat(q.ctx(0).get()).isEqualTo(2);
        assertThat(get(q, 0, false, false)).isEqualTo(2);
    }

    /**
     * From hint 13: 13, 14; then {@code tag + 1 >= depth - 1} wraps the hint to 0 already (v4.4 wraps
     * one early, so tag 15 is reached last), and a failed pass resets the hint to 0.
     */
    @Test
    void searchWrapsAroundTheMap() {
        BlkMqTags tags = new BlkMqTags(kernel, 16, 0);
        FixedQueueMap q = new FixedQueueMap(kernel, List.of(new HctxTagState(0, tags, false)), 13, null);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            got.add(get(q, 0, false, false));
        }
        assertThat(got).startsWith(13, 14, 0, 1).endsWith(12, 15).doesNotHaveDuplicates().doesNotContain(-1);
        assertThat(get(q, 0, false, false)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        assertThat(q.ctx(0).get()).isZero();
        assertThat(tags.hasFreeTags()).isFalse();
        assertThat(tags.bitmapTags().unusedTags()).isZero();
    }

    @Test
    void initLastTagIsWithinTheNormalDepth() {
        BlkMqTags tags = new BlkMqTags(kernel, 10, 3);
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            assertThat(tags.initLastTag(0, r).get()).isBetween(0, 6);
        }
    }

    @Test
    void badDepthsAreRefused() {
        assertThatThrownBy(() -> new BlkMqTags(kernel, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> new BlkMqTags(kernel, 10241, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10240");
        assertThatThrownBy(() -> new BlkMqTags(kernel, 4, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");
        assertThatThrownBy(() -> new BlkMqTags(kernel, 4, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new BlkMqTags(kernel, 10240, 0).bitmapTags().mapNr()).isEqualTo(160);
    }

    @Test
    void puttingATagNotHeldIsABugAndChangesNothing() {
        BlkMqTags tags = new BlkMqTags(kernel, 8, 2);
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        int t = get(q, 0, false, false);
        put(q, 0, t);
        assertThatThrownBy(() -> put(q, 0, t)).isInstanceOf(KernelBug.class).hasMessageContaining("double free");
        assertThatThrownBy(() -> put(q, 0, 8)).isInstanceOf(KernelBug.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> put(q, 0, -1)).isInstanceOf(KernelBug.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> put(q, 0, 1)).isInstanceOf(KernelBug.class).hasMessageContaining("double free");
        assertThat(tags.bitmapTags().busyTags()).isEmpty();
        assertThat(tags.bitmapTags().bs(0).waitCnt()).isEqualTo(1);
    }

    @Test
    void updateDepthShrinksAndGrowsWithinTheAllocation() {
        BlkMqTags tags = new BlkMqTags(kernel, 18, 2); // 16 normal: 4 words of 4
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        assertThat(tags.updateDepth(7)).isZero(); // 5 normal: words 4, 1, 0, 0
        BlkMqBitmapTags bt = tags.bitmapTags();
        assertThat(bt.depth()).isEqualTo(5);
        assertThat(List.of(bt.word(0).depth(), bt.word(1).depth(), bt.word(2).depth(), bt.word(3).depth()))
                .containsExactly(4, 1, 0, 0);
        assertThat(bt.wakeCnt()).isEqualTo(1);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            got.add(get(q, 0, false, false));
        }
        assertThat(got).containsExactlyInAnyOrder(2, 3, 4, 5, 6);
        assertThat(get(q, 0, false, false)).isEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        assertThat(tags.updateDepth(18)).isZero();
        assertThat(bt.depth()).isEqualTo(16);
        assertThat(bt.wakeCnt()).isEqualTo(2);
        assertThat(get(q, 0, false, false)).isNotEqualTo(BlkMqTags.BLK_MQ_TAG_FAIL);
        int einval = Errno.EINVAL.negative();
        assertThat(tags.updateDepth(19)).isEqualTo(einval);
        assertThat(tags.updateDepth(2)).isEqualTo(einval);
        assertThat(tags.updateDepth(-5)).isEqualTo(einval);
        assertThat(bt.depth()).isEqualTo(16);
    }

    @Test
    void busyIterReportsHeldTagsWithTheirRequests() {
        BlkMqTags tags = new BlkMqTags(kernel, 8, 2);
        for (int t = 0; t < 8; t++) {
            tags.setRq(t, "rq" + t);
        }
        FixedQueueMap q = FixedQueueMap.single(kernel, tags);
        int a = get(q, 0, false, false);
        int b = get(q, 0, false, true);
        List<String> seen = new ArrayList<>();
        tags.busyIter((tag, rq, reserved) -> seen.add(tag + ":" + rq + ":" + reserved));
        assertThat(seen).containsExactly(b + ":rq" + b + ":true", a + ":rq" + a + ":false");
        assertThat(tags.sysfsShow()).contains("nr_tags=8, reserved_tags=2").contains("nr_free=5, nr_reserved=1");
    }

    /** T6: two busy sharers of a 16-tag map get 8 each; then one goes idle and the other may take more. */
    @Test
    void sharedTagsFairShare() {
        BlkMqTags tags = new BlkMqTags(kernel, 16, 0);
        HctxTagState h0 = new HctxTagState(0, tags, true);
        HctxTagState h1 = new HctxTagState(1, tags, true);
        FixedQueueMap q0 = new FixedQueueMap(kernel, List.of(h0), 0, null);
        FixedQueueMap q1 = new FixedQueueMap(kernel, List.of(h1), 0, null);
        List<BlkMqTagAlloc.RequestTag> held = new ArrayList<>();
        held.add(allocRequest(q0, 0));
        held.add(allocRequest(q1, 1));
        assertThat(tags.activeQueues()).isEqualTo(2);
        while (true) {
            BlkMqTagAlloc.RequestTag rt = allocRequest(q0, 0);
            if (rt == null) {
                break;
            }
            held.add(rt);
        }
        assertThat(h0.nrActive()).isEqualTo(8);
        assertThat(tags.bitmapTags().unusedTags()).isEqualTo(7);
        h1.tagIdle();
        assertThat(tags.activeQueues()).isEqualTo(1);
        assertThat(allocRequest(q0, 0)).isNotNull();
        assertThat(h0.nrActive()).isEqualTo(9);
        kernel.runOn(0, "free", () -> held.forEach(BlkMqTagAlloc::freeRequestTag));
        assertThat(h0.nrActive()).isEqualTo(1);
    }

    @Test
    void shareIsAtLeastFour() {
        BlkMqTags tags = new BlkMqTags(kernel, 8, 0);
        List<HctxTagState> hs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HctxTagState h = new HctxTagState(i, tags, true);
            h.tagBusy();
            hs.add(h);
        }
        FixedQueueMap q = new FixedQueueMap(kernel, List.of(hs.get(0)), 0, null);
        int n = 0;
        while (allocRequest(q, 0) != null) {
            n++;
        }
        assertThat(n).isEqualTo(4); // ceil(8 / 4) = 2, raised to 4
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** blk_mq_get_ctx, blk_mq_get_tag, blk_mq_put_ctx as a task on {@code cpu}. */
    private int get(FixedQueueMap q, int cpu, boolean mayBlock, boolean reserved) {
        return kernel.runOn(cpu, "alloc" + cpu, () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, mayBlock, reserved);
            int tag = BlkMqTagAlloc.getTag(data);
            q.putCtx(data.ctx());
            return tag;
        });
    }

    private void put(FixedQueueMap q, int cpu, int tag) {
        kernel.runOn(cpu, "free" + cpu, () -> BlkMqTagAlloc.putTag(q.hctx(0), tag, q.ctx(cpu)));
    }

    private BlkMqTagAlloc.RequestTag allocRequest(FixedQueueMap q, int cpu) {
        return kernel.runOn(cpu, "alloc" + cpu, () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(q, false, false);
            BlkMqTagAlloc.RequestTag rt = BlkMqTagAlloc.allocRequestTag(data);
            q.putCtx(data.ctx());
            return rt;
        });
    }
}
