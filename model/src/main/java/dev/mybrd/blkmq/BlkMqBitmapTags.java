package dev.mybrd.blkmq;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct blk_mq_bitmap_tags} of v4.4 ({@code block/blk-mq-tag.[ch]}): a sparse bitmap of tags
 * with rolling, batched wake-ups. Spec 3.10.
 *
 * <p><b>Layout</b> ({@code bt_alloc}). A word holds {@code 1 << bits_per_word} tags. It starts at
 * {@code ilog2(BITS_PER_LONG)} = 6 and, for a depth of at least 4, shrinks while
 * {@code tags_per_word * 4 > depth}, so that even a small map is spread over about four words (cache
 * lines): depth 64 gives 4 words of 16 tags, depth 6 gives 6 words of 1. Bit {@code b} of word
 * {@code i} is tag {@code (i << bits_per_word) + b} ({@code TAG_TO_INDEX}, {@code TAG_TO_BIT}); each
 * word's own {@code depth} says how many of its bits are tags ({@code bt_update_count}).
 *
 * <p><b>Allocation</b> ({@code __bt_get}, {@code __bt_get_word}). Start at the word of the caller's
 * hint ({@code ctx->last_tag}); in each word find a zero bit at or after the hint and claim it with
 * {@code test_and_set_bit}; if another CPU got there first, move past it (wrapping the word once,
 * unless round-robin); else try the next word, around the map. The hint moves on only when the hinted
 * tag itself was taken (or always, round-robin); a failure resets it to 0.
 *
 * <p><b>Wake-ups</b> ({@code bt_clear_tag}, {@code bt_wake_ptr}). Sleepers are spread over
 * {@value #BT_WAIT_QUEUES} wait states. A free clears its bit, runs {@code smp_mb()}, and picks the
 * first wait state from {@code wake_index} that has sleepers; it decrements that state's
 * {@code wait_cnt}, and the free that reaches 0 refills it with {@code wake_cnt}, advances
 * {@code wake_index} and wakes the whole queue. So one queue is woken per {@code wake_cnt} frees,
 * round robin: a task asleep on any wait state is woken within
 * {@code BT_WAIT_QUEUES * wake_cnt} frees (P16, spec T5).
 *
 * <p><b>Invariants.</b> (T1) a bit is set iff its tag is owned; only a successful
 * {@code test_and_set_bit} starts ownership and only {@code clear_bit} ends it. (T2) set bits
 * &le; depth. (T4) {@code 0 <= wait_cnt <= wake_cnt} when quiescent.
 *
 * <p><b>Ordering.</b> See {@link BlkAlignBitmap} for the bit operations. {@code wake_index} and
 * {@code hctx->wait_index} move by {@code atomic_read} + {@code atomic_cmpxchg}
 * ({@code bt_index_atomic_inc}), which may lose a step to a concurrent mover: harmless, they only
 * spread load. {@code depth} and {@code wake_cnt} are plain fields the allocators read without a
 * lock (opaque here).
 */
public final class BlkMqBitmapTags {
    /** {@code BT_WAIT_QUEUES}. */
    public static final int BT_WAIT_QUEUES = 8;
    /** {@code BT_WAIT_BATCH}. */
    public static final int BT_WAIT_BATCH = 8;
    /** {@code ilog2(BITS_PER_LONG)}. */
    static final int LOG_BITS_PER_LONG = 6;

    private static final VarHandle DEPTH;
    private static final VarHandle WAKE_CNT;
    private static final VarHandle WAKE_INDEX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DEPTH = l.findVarHandle(BlkMqBitmapTags.class, "depth", int.class);
            WAKE_CNT = l.findVarHandle(BlkMqBitmapTags.class, "wakeCnt", int.class);
            WAKE_INDEX = l.findVarHandle(BlkMqBitmapTags.class, "wakeIndex", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final int bitsPerWord;
    private final BlkAlignBitmap[] map;
    private final int allocatedDepth;
    private final BtWaitState[] bs;
    private final boolean nonAtomicTestAndSet;
    private final boolean clearTagNoBarrier;
    @SuppressWarnings("unused") private int depth;
    @SuppressWarnings("unused") private int wakeCnt;
    @SuppressWarnings("unused") private int wakeIndex;

    /**
     * {@code bt_alloc(bt, depth, node, reserved)}: a map of {@code depth} tags (0 is allowed: an empty
     * reserved map) and its eight wait states, named {@code name.bs[i]}.
     */
    BlkMqBitmapTags(Kernel kernel, String name, int depth, boolean nonAtomicTestAndSet, boolean clearTagNoBarrier) {
        if (depth < 0 || depth > BlkMqTags.BLK_MQ_MAX_DEPTH) {
            throw new IllegalArgumentException("bt_alloc: depth " + depth + " outside 0.." + BlkMqTags.BLK_MQ_MAX_DEPTH);
        }
        this.name = name;
        this.bitsPerWord = bitsPerWord(depth);
        this.allocatedDepth = depth;
        this.map = new BlkAlignBitmap[depth == 0 ? 0 : mapNr(depth)];
        for (int i = 0; i < map.length; i++) {
            map[i] = new BlkAlignBitmap();
        }
        this.nonAtomicTestAndSet = nonAtomicTestAndSet;
        this.clearTagNoBarrier = clearTagNoBarrier;
        btUpdateCount(depth);
        this.bs = new BtWaitState[BT_WAIT_QUEUES];
        for (int i = 0; i < BT_WAIT_QUEUES; i++) {
            bs[i] = new BtWaitState(kernel, name + ".bs[" + i + "]", wakeCnt());
        }
    }

    /** {@code bt->bits_per_word} as {@code bt_alloc} computes it for {@code depth}. */
    public static int bitsPerWord(int depth) {
        int bits = LOG_BITS_PER_LONG;
        if (depth >= 4) {
            while ((1 << bits) * 4 > depth) {
                bits--;
            }
        }
        return bits;
    }

    /** {@code bt->map_nr} for {@code depth}: {@code ALIGN(depth, tags_per_word) / tags_per_word}. */
    public static int mapNr(int depth) {
        int tagsPerWord = 1 << bitsPerWord(depth);
        return (depth + tagsPerWord - 1) / tagsPerWord;
    }

    /** {@code bt->wake_cnt} for {@code depth}: {@code BT_WAIT_BATCH}, capped at {@code depth / BT_WAIT_QUEUES}, at least 1. */
    public static int wakeCnt(int depth) {
        int wake = BT_WAIT_BATCH;
        if (wake > depth / BT_WAIT_QUEUES) {
            wake = Math.max(1, depth / BT_WAIT_QUEUES);
        }
        return wake;
    }

    // ---- state -------------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    /** {@code bt->depth}. */
    public int depth() {
        return (int) DEPTH.getOpaque(this);
    }

    /** The depth the map was allocated for; {@code bt_update_count} cannot go past it. */
    public int allocatedDepth() {
        return allocatedDepth;
    }

    /** {@code bt->wake_cnt}. */
    public int wakeCnt() {
        return (int) WAKE_CNT.getOpaque(this);
    }

    /** {@code bt->bits_per_word}. */
    public int bitsPerWord() {
        return bitsPerWord;
    }

    /** {@code bt->map_nr}. */
    public int mapNr() {
        return map.length;
    }

    /** {@code &bt->map[i]}. */
    public BlkAlignBitmap word(int i) {
        return map[i];
    }

    /** {@code atomic_read(&bt->wake_index)}. */
    public int wakeIndex() {
        return (int) WAKE_INDEX.getOpaque(this);
    }

    /** {@code &bt->bs[i]}. */
    public BtWaitState bs(int i) {
        return bs[i];
    }

    /** Whether tag {@code tag} (a bit number of this map) is set; for checks. */
    public boolean testTag(int tag) {
        checkTag(tag, "test");
        return map[tagToIndex(tag)].testBit(tagToBit(tag));
    }

    /** The set bits, lowest first (a snapshot word by word, for checks and reports). */
    public List<Integer> busyTags() {
        List<Integer> busy = new ArrayList<>();
        btForEach((tag) -> busy.add(tag));
        return busy;
    }

    // ---- sizing --------------------------------------------------------------------------------------

    /**
     * {@code bt_update_count(bt, depth)}: hand the words their share of {@code depth} (all of them stay
     * allocated; a word past the new depth gets 0, and a depth of 0 leaves the words alone, as in
     * v4.4), then {@code wake_cnt}, then {@code bt->depth}. Plain stores, no barrier: the caller
     * ({@code blk_mq_tag_update_depth}) orders them before its wake-ups with {@code smp_mb()}.
     */
    void btUpdateCount(int newDepth) {
        int tagsPerWord = 1 << bitsPerWord;
        int mapDepth = newDepth;
        if (newDepth != 0) {
            for (BlkAlignBitmap bm : map) {
                int d = Math.min(mapDepth, tagsPerWord);
                bm.setDepth(d);
                mapDepth -= d;
            }
        }
        WAKE_CNT.setOpaque(this, wakeCnt(newDepth));
        DEPTH.setOpaque(this, newDepth);
    }

    // ---- allocation ----------------------------------------------------------------------------------

    /**
     * {@code __bt_get(hctx, bt, tag_cache, tags)}: one pass over the map from the hint; the bit number
     * of the tag it claimed, or -1 (and the hint reset to 0). {@code hctx} is null for the reserved
     * map, which has no fair-share limit.
     */
    int btGetNoWait(HctxTagState hctx, CtxLastTag tagCache, AllocPolicy policy) {
        if (hctx != null && !hctx.mayQueue(this)) {
            return -1;
        }
        boolean rr = policy == AllocPolicy.RR;
        int orgLastTag = tagCache.get();
        int lastTag = orgLastTag;
        int index = tagToIndex(lastTag);
        KernelBug.bugOn(map.length > 0 && index >= map.length,
                () -> name + ": last_tag hint " + orgLastTag + " lies past the map's " + map.length + " words");
        for (int i = 0; i < map.length; i++) {
            int tag = btGetWord(map[index], tagToBit(lastTag), rr);
            if (tag != -1) {
                tag += index << bitsPerWord;
                updateHint(tagCache, tag, orgLastTag, rr);
                return tag;
            }
            index++;
            lastTag = index << bitsPerWord;
            if (index >= map.length) {
                index = 0;
                lastTag = 0;
            }
        }
        tagCache.set(0);
        return -1;
    }

    /**
     * {@code __bt_get_word(bm, last_tag, nowrap)}: the first zero bit at or after {@code lastTag} that
     * this CPU manages to set; if the search began mid-word and found nothing, once more from bit 0
     * (not round-robin). -1 if the word is full.
     */
    private int btGetWord(BlkAlignBitmap bm, int lastTag, boolean nowrap) {
        int orgLastTag = lastTag;
        for (;;) {
            int wordDepth = bm.depth();
            int tag = bm.findNextZeroBit(wordDepth, lastTag);
            if (tag >= wordDepth) {
                if (orgLastTag != 0 && lastTag != 0 && !nowrap) {
                    lastTag = orgLastTag = 0;
                    continue;
                }
                return -1;
            }
            if (claim(bm, tag)) {
                return tag;
            }
            lastTag = tag + 1;
            if (lastTag >= wordDepth - 1) {
                lastTag = 0;
            }
        }
    }

    /** {@code !test_and_set_bit(tag, &bm->word)}: true if this CPU set the bit. */
    private boolean claim(BlkAlignBitmap bm, int bit) {
        if (nonAtomicTestAndSet) {
            if (bm.testBit(bit)) { // seeded NONATOMIC_TEST_AND_SET: test, then a plain set
                return false;
            }
            bm.nonAtomicSetBit(bit);
            return true;
        }
        return !bm.testAndSetBit(bit);
    }

    /** The {@code done:} label of {@code __bt_get}: advance the hint only past the hinted tag (or always, RR). */
    private void updateHint(CtxLastTag tagCache, int tag, int orgLastTag, boolean rr) {
        if (tag == orgLastTag || rr) {
            int lastTag = tag + 1;
            if (lastTag >= depth() - 1) {
                lastTag = 0;
            }
            tagCache.set(lastTag);
        }
    }

    /** {@code bt_has_free_tags(bt)}: some word has a zero bit within its depth. */
    public boolean hasFreeTags() {
        for (BlkAlignBitmap bm : map) {
            int d = bm.depth();
            if (bm.findNextZeroBit(d, 0) < d) {
                return true;
            }
        }
        return false;
    }

    /** {@code bt_unused_tags(bt)}: depth minus the set bits (sysfs {@code nr_free}). */
    public int unusedTags() {
        int used = 0;
        for (BlkAlignBitmap bm : map) {
            used += bm.weight(bm.depth());
        }
        return depth() - used;
    }

    // ---- waiting -------------------------------------------------------------------------------------

    /**
     * {@code bt_wait_ptr(bt, hctx)}: the wait state a sleeper uses: {@code bs[0]} for the reserved
     * map ({@code hctx} null), else {@code bs[hctx->wait_index]}, and move {@code wait_index} on.
     */
    BtWaitState btWaitPtr(HctxTagState hctx) {
        if (hctx == null) {
            return bs[0];
        }
        int waitIndex = hctx.waitIndex();
        BtWaitState ws = bs[waitIndex];
        hctx.waitIndexAtomicInc();
        return ws;
    }

    /**
     * {@code bt_wake_ptr(bt)}: the first wait state from {@code wake_index} round that has sleepers
     * ({@code waitqueue_active}: lockless, no barrier), moving {@code wake_index} there; null if none.
     */
    BtWaitState btWakePtr() {
        int wakeIdx = wakeIndex();
        for (int i = 0; i < BT_WAIT_QUEUES; i++) {
            BtWaitState ws = bs[wakeIdx];
            if (ws.waitQueue().waitqueueActive()) {
                int o = wakeIndex();
                if (wakeIdx != o) {
                    WAKE_INDEX.compareAndSet(this, o, wakeIdx);
                }
                return ws;
            }
            wakeIdx = btIndexInc(wakeIdx);
        }
        return null;
    }

    /**
     * {@code bt_clear_tag(bt, tag)}: clear the bit; {@code smp_mb()} so that the wait-list checks come
     * after the clear; then count the free against the wait states ({@link #btWakeUp}). The caller
     * checked that the bit is set.
     */
    void btClearTag(int tag) {
        map[tagToIndex(tag)].clearBit(tagToBit(tag));
        if (!clearTagNoBarrier) {
            VarHandle.fullFence(); // smp_mb(): the clear before waitqueue_active's loads
        }
        btWakeUp();
    }

    /**
     * The wake half of {@code bt_clear_tag}: count one free against the first wait state with
     * sleepers, and if that ends its batch, refill it, move {@code wake_index} on and {@code wake_up}
     * its queue. v4.4 has it inline; the sbitmap rewrite made it {@code sbq_wake_up}, and
     * e6fc46498784 (v4.18) made it public as {@code sbitmap_queue_wake_up} so that
     * {@code blk_mq_get_tag} can count a free that never happened (KR-03, {@link BlkMqTags.MigrationWake#WAKE_PREVIOUS}).
     */
    void btWakeUp() {
        BtWaitState ws = btWakePtr();
        if (ws == null) {
            return;
        }
        int waitCnt = ws.decReturn();
        if (waitCnt < 0) {
            waitCnt = ws.incReturn();
        }
        if (waitCnt == 0) {
            ws.add(wakeCnt());
            wakeIndexAtomicInc();
            ws.waitQueue().wakeUp();
        }
    }

    /** {@code bt_index_atomic_inc(&bt->wake_index)}: read, then one cmpxchg to the next index. */
    private void wakeIndexAtomicInc() {
        int old = wakeIndex();
        WAKE_INDEX.compareAndSet(this, old, btIndexInc(old));
    }

    /** {@code bt_index_inc(index)}. */
    static int btIndexInc(int index) {
        return (index + 1) & (BT_WAIT_QUEUES - 1);
    }

    // ---- iteration -----------------------------------------------------------------------------------

    /** A callback for each set bit. */
    @FunctionalInterface
    interface BitFn {
        void bit(int tag);
    }

    /**
     * The walk of {@code bt_for_each}/{@code bt_tags_for_each}: {@code find_first_bit} /
     * {@code find_next_bit} over each word, without a lock; a bit may be set or cleared while the walk
     * passes, so it sees some of the tags in flight during the walk and all that were in flight
     * throughout.
     */
    void btForEach(BitFn fn) {
        int off = 0;
        for (BlkAlignBitmap bm : map) {
            int d = bm.depth();
            for (int bit = bm.findNextBit(d, 0); bit < d; bit = bm.findNextBit(d, bit + 1)) {
                fn.bit(off + bit);
            }
            off += 1 << bitsPerWord;
        }
    }

    // ---- tag numbers ---------------------------------------------------------------------------------

    /** {@code TAG_TO_INDEX(bt, tag)}. */
    int tagToIndex(int tag) {
        return tag >>> bitsPerWord;
    }

    /** {@code TAG_TO_BIT(bt, tag)}. */
    int tagToBit(int tag) {
        return tag & ((1 << bitsPerWord) - 1);
    }

    /** A bit number that lies in an allocated word, within that word's allocation. */
    void checkTag(int tag, String what) {
        KernelBug.bugOn(tag < 0 || tag >= allocatedDepth,
                () -> name + ": " + what + " of tag " + tag + " outside the map (0.." + (allocatedDepth - 1) + ")");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append("{depth=").append(depth()).append(", bits_per_word=")
                .append(bitsPerWord).append(", wake_cnt=").append(wakeCnt()).append(", wake_index=")
                .append(wakeIndex()).append(", busy=").append(busyTags()).append(", bs=[");
        for (int i = 0; i < BT_WAIT_QUEUES; i++) {
            sb.append(i == 0 ? "" : ", ").append(bs[i].waitCnt());
        }
        return sb.append("]}").toString();
    }
}
