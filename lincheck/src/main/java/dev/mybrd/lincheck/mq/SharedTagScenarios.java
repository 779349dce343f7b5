package dev.mybrd.lincheck.mq;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.ReqOp;
import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqBitmapTags;
import dev.mybrd.blkmq.BlkMqHwCtx;
import dev.mybrd.blkmq.BlkMqOps;
import dev.mybrd.blkmq.BlkMqQueue;
import dev.mybrd.blkmq.BlkMqRequest;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.blkmq.BlkMqTags;
import dev.mybrd.blkmq.HctxTagState;
import dev.mybrd.blkmq.MqBug;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.Task;
import dev.mybrd.mm.Page;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The deterministic scenarios of blk-mq's shared tag sets (v4.4 {@code blk_mq_add_queue_tag_set},
 * {@code hctx_may_queue}, {@code blk_mq_tag_busy}/{@code blk_mq_tag_idle}): each returns null, or the
 * violation it saw.
 *
 * <p>The fair-share race needs an order the model checker would rarely pick: queue A's request ends
 * (A stays active: only its timeout timer marks it idle), then B, holding its share, sleeps in
 * {@code bt_get} with tags free, and only then A's timer finds A quiet. A free before B sleeps would
 * wake B through {@code bt_clear_tag}; after A's last free only {@code blk_mq_tag_idle}'s wake-all can.
 */
public final class SharedTagScenarios {
    private static final long DRAIN = 20_000_000_000L;
    private static final int DEPTH = 8;

    private SharedTagScenarios() {
    }

    private static Bio write(long sector, int pattern) {
        Page buf = Page.buffer();
        Arrays.fill(buf.kmap(), (byte) pattern);
        return Bio.of(ReqOp.WRITE, sector).addPage(buf, Page.PAGE_SIZE, 0);
    }

    /** A queue on {@code set} whose driver starts each request and holds it until {@link Held#endAll}. */
    private static final class Held {
        final List<BlkMqRequest> rqs = Collections.synchronizedList(new ArrayList<>());
        final BlkMqQueue q;
        final String name;

        Held(Kernel kernel, String name, BlkMqTagSet set, Set<MqBug> bugs) {
            this.name = name;
            BlkMqQueue[] self = new BlkMqQueue[1];
            BlkMqOps ops = (hctx, rq, last) -> {
                self[0].startRequest(rq);
                rqs.add(rq);
                return BlkMqOps.QueueRqResult.OK;
            };
            this.q = new BlkMqQueue(kernel, name, set, ops, 1024, bugs);
            self[0] = q;
        }

        void endAll() {
            List<BlkMqRequest> now;
            synchronized (rqs) {
                now = new ArrayList<>(rqs);
                rqs.clear();
            }
            for (BlkMqRequest rq : now) {
                q.endRequest(rq, 0);
            }
        }

        @Override
        public String toString() {
            return "queue " + name;
        }

        /** The quiet queue's timeout timer: its clock passes the request timeout and the timer runs. */
        void timer() {
            q.advanceJiffies(q.rqTimeout());
            q.timeoutScan();
        }
    }

    /** {@code max(ceil(depth / users), 4)}, as {@code hctx_may_queue} computes it. */
    private static int share(int depth, int users) {
        return Math.max((depth + users - 1) / users, 4);
    }

    /** A hctx of {@code qs} that holds more than its fair share now, or null. */
    private static String overShare(BlkMqTags tags, List<Held> qs) {
        int users = tags.activeQueues();
        int depth = tags.bitmapTags().depth();
        for (Held h : qs) {
            HctxTagState t = h.q.hctx(0).tagState();
            if (users > 0 && t.tagActive() && t.nrActive() > share(depth, users)) {
                return h.q.hctx(0) + " of " + h + " holds " + t.nrActive() + " tags, its share of " + depth
                        + " among " + users + " active queues is " + share(depth, users);
            }
        }
        return null;
    }

    /** Two in-flight requests with the same tag (the set's requests serve every queue): or null. */
    private static String sharedTag(List<Held> qs) {
        Map<BlkMqRequest, String> owner = new IdentityHashMap<>();
        for (Held h : qs) {
            synchronized (h.rqs) {
                for (BlkMqRequest rq : h.rqs) {
                    String was = owner.put(rq, h.name);
                    if (was != null) {
                        return "tag " + rq.tag() + " is in flight on two queues at once";
                    }
                }
            }
        }
        return null;
    }

    /**
     * T6 and P16 on a shared set of depth 8: A takes a tag, B takes 4 (then both are active and the
     * share is {@code max(ceil(8/2), 4) = 4}); nobody holds more than its share, no tag is in flight
     * twice; A's request ends; B's fifth allocation sleeps in {@code bt_get} although 4 tags are free
     * (its share is used up); A's timer marks A idle, and B's sleeper must be awake now (its share
     * became 8). Then everything ends: {@code nr_active} back to 0 on both, every tag free, and B's
     * timer leaves {@code active_queues} at 0.
     */
    public static String fairShare(Set<MqBug> bugs) {
        Kernel kernel = new Kernel(4);
        BlkMqTagSet set = new BlkMqTagSet(kernel, 1, DEPTH, 0, 0, 0);
        Held a = new Held(kernel, "a", set, bugs);
        Held b = new Held(kernel, "b", set, bugs);
        List<Held> both = List.of(a, b);
        BlkMqTags tags = set.tags(0);
        if (!set.shared() || !a.q.hctx(0).tagState().tagShared() || !b.q.hctx(0).tagState().tagShared()) {
            return "two queues on one set but not BLK_MQ_F_TAG_SHARED: set " + set.shared() + ", "
                    + a.q.hctx(0).tagState() + ", " + b.q.hctx(0).tagState();
        }
        kernel.runOn(0, "io-a", () -> a.q.makeRequest(write(0, 1)));
        for (int i = 0; i < 4; i++) {
            long sector = 64 + 16L * i; // apart: no merge
            kernel.runOn(i, "io-b", () -> b.q.makeRequest(write(sector, 2)));
            String v = overShare(tags, both);
            if (v == null) {
                v = sharedTag(both);
            }
            if (v != null) {
                return v;
            }
        }
        if (tags.activeQueues() != 2) {
            return "both queues hold tags but active_queues = " + tags.activeQueues();
        }
        kernel.runOn(0, "irq-a", a::endAll);
        Task[] sleeper = new Task[1];
        int got = kernel.runOn(1, "io-b5", () -> {
            sleeper[0] = kernel.current();
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(b.q, true, false);
            int tag = BlkMqTagAlloc.btGetUntilSchedule(data);
            b.q.putCtx(data.ctx());
            return tag;
        });
        if (got != -1) {
            return b.q.hctx(0) + " got tag " + got + " beyond its share (" + share(DEPTH, 2) + " of " + DEPTH + ")";
        }
        kernel.runOn(2, "timer-a", a::timer);
        if (sleeper[0].state() != Task.TASK_RUNNING) {
            BlkMqBitmapTags bt = tags.bitmapTags();
            return "B's allocator sleeps in bt_get after A went idle: active_queues=" + tags.activeQueues()
                    + ", " + b.q.hctx(0).tagState() + ", share now " + share(DEPTH, Math.max(1, tags.activeQueues()))
                    + ", " + bt.unusedTags() + " tags free: stranded";
        }
        kernel.runOn(3, "irq-b", b::endAll);
        kernel.runOn(3, "timer-b", b::timer);
        for (Held h : both) {
            HctxTagState t = h.q.hctx(0).tagState();
            if (t.nrActive() != 0) {
                return t + " of " + h + " still counts " + t.nrActive() + " requests after every one was freed";
            }
        }
        int[] busy = {0};
        tags.busyIter((t, o, r) -> busy[0]++);
        if (busy[0] != 0 || tags.activeQueues() != 0) {
            return busy[0] + " tags held and active_queues = " + tags.activeQueues() + " with both queues quiet";
        }
        return null;
    }

    /**
     * P1, P17, P3 with two mybrd disks on one tag set of {@code queues} hardware queues of depth 8,
     * {@code irqmode=timer} (requests stay in flight until the completion timer, so the sharers hold
     * tags together) and {@code inject}: 16 page writes to each disk from every CPU, drained; each bio
     * ended once and successfully; every block read back is the one written to that disk; no
     * {@code nr_active} left.
     */
    public static String twoDisksExactlyOnce(int queues, String inject, Set<Bug> bugs) {
        Kernel kernel = new Kernel(4);
        // a lost request shows as a submitter stuck in bt_get
        kernel.setHungTaskTimeout(bugs.isEmpty() ? 2_000_000_000L : 500_000_000L);
        MyBrd.Config c = MyBrd.Config.defaults().withQueueMode(QueueMode.MQ).withIrqMode(IrqMode.TIMER)
                .withSubmitQueues(queues).withHwQueueDepth(DEPTH).withInjection(Injection.parse(inject));
        for (Bug bug : bugs) {
            c = c.withBug(bug);
        }
        List<MyBrd> disks = MyBrd.sharedTagSet(kernel, c, 2);
        long drain = bugs.isEmpty() ? DRAIN : 500_000_000L;
        List<Bio> bios = new ArrayList<>();
        int most = 0;
        for (int i = 0; i < 16; i++) {
            for (int d = 0; d < disks.size(); d++) {
                MyBrd disk = disks.get(d);
                Bio w = write(i * 8L, pattern(d, i));
                bios.add(w);
                kernel.runOn(i % kernel.nrCpus(), "io", () -> disk.submitBio(w));
                for (MyBrd x : disks) {
                    for (int h = 0; h < x.mqQueue().nrHwQueues(); h++) {
                        HctxTagState t = x.mqQueue().hctx(h).tagState();
                        int users = t.tags().activeQueues();
                        if (users > 0 && t.tagActive() && t.nrActive() > share(DEPTH, users)) {
                            return t + " holds more than its share " + share(DEPTH, users) + " among " + users;
                        }
                        most = Math.max(most, t.nrActive());
                    }
                }
            }
        }
        if (most < share(DEPTH, 2)) {
            return "the scenario never filled a share (most tags held by one hctx: " + most + ")";
        }
        for (MyBrd disk : disks) {
            if (!disk.drain(drain)) {
                return "not quiescent: " + disk.drainReport();
            }
        }
        for (Bio w : bios) {
            if (w.endioCalls() != 1 || w.status() != BlkStatus.OK) {
                return w + " ended " + w.endioCalls() + " times, status " + w.status();
            }
        }
        for (int d = 0; d < disks.size(); d++) {
            String v = readBack(kernel, disks.get(d), d, drain);
            if (v != null) {
                return v;
            }
        }
        for (MyBrd disk : disks) {
            BlkMqQueue q = disk.mqQueue();
            for (int h = 0; h < q.nrHwQueues(); h++) {
                BlkMqHwCtx hctx = q.hctx(h);
                if (hctx.tagState().nrActive() != 0) {
                    return hctx.tagState() + " still counts requests at quiescence";
                }
            }
        }
        return null;
    }

    private static int pattern(int disk, int block) {
        return 1 + disk * 16 + block;
    }

    private static String readBack(Kernel kernel, MyBrd disk, int d, long drain) {
        for (int i = 0; i < 16; i++) {
            Page buf = Page.buffer();
            Bio r = Bio.of(ReqOp.READ, i * 8L).addPage(buf, Page.PAGE_SIZE, 0);
            kernel.runOn(i % kernel.nrCpus(), "verify", () -> disk.submitBio(r));
            if (!disk.drain(drain)) {
                return "read not quiescent: " + disk.drainReport();
            }
            byte[] got = buf.kmap();
            for (int off = 0; off < Page.PAGE_SIZE; off++) {
                if (Byte.toUnsignedInt(got[off]) != pattern(d, i)) {
                    return "disk " + d + " block " + i + " byte " + off + " reads " + Byte.toUnsignedInt(got[off])
                            + ", wrote " + pattern(d, i) + " (status " + r.status() + ")";
                }
            }
        }
        return null;
    }

    /**
     * "active_queues counts the active sharers" across a removal (454bb6775202): queues a and b
     * share a set and both took a tag (both active); a is removed ({@code blk_cleanup_queue}), which
     * unshares b, then b is removed. With no queue left on the set, {@code active_queues} must be 0.
     * v4.4 leaves 1: b's flag was cleared while it was active, so its own {@code blk_mq_tag_idle}
     * did nothing.
     */
    public static String activeQueuesAfterRemoval(BlkMqTagSet.Unshare unshare) {
        Kernel kernel = new Kernel(4);
        BlkMqTagSet set = new BlkMqTagSet(kernel, 1, DEPTH, 0, 0, 0).withUnshare(unshare);
        Held a = new Held(kernel, "a", set, Set.of());
        Held b = new Held(kernel, "b", set, Set.of());
        kernel.runOn(0, "io-a", () -> a.q.makeRequest(write(0, 1)));
        kernel.runOn(1, "io-b", () -> b.q.makeRequest(write(0, 2)));
        kernel.runOn(0, "irq", () -> {
            a.endAll();
            b.endAll();
        });
        int before = set.tags(0).activeQueues();
        kernel.runOn(0, "rmmod-a", a.q::cleanupQueue);
        kernel.runOn(0, "rmmod-b", b.q::cleanupQueue);
        int after = set.tags(0).activeQueues();
        if (before != 2) {
            return "two busy sharers but active_queues = " + before;
        }
        return after == 0 && set.queues().isEmpty() ? null
                : "no queue left on the set (" + set.queues() + ") but active_queues = " + after
                        + " (the queue left alone was unshared while active)";
    }
}
