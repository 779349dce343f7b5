package dev.mybrd.stress.mqtags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.blkmq.TagBug;
import dev.mybrd.kernel.Task;
import dev.mybrd.stress.waitqueue.StartLine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug CLEAR_TAG_NO_BARRIER: bt_clear_tag without the smp_mb() between clear_bit and
 * bt_wake_ptr. On a weakly ordered CPU the waitqueue_active loads may pass the clear, while the
 * sleeper, queued and past its barrier, reads the old word: "-1, 1".
 *
 * Same actors and outcome specification as ClearTagVsSleeper (read it first).
 *
 * NOT IN THE GATE (no @StressCheck), and not expected to be caught on this machine: on x86 clear_bit
 * is a LOCK-prefixed instruction, and the model's clear_bit is a compare-and-set, which HotSpot also
 * emits as LOCK CMPXCHG: a full barrier in hardware, so the reordering the missing smp_mb() allows
 * cannot happen here (the same reason smp_mb__after_atomic() is empty on x86). Measured in
 * docs/chapters/mq-tags.md. It would show on ARM or POWER.
 *
 * Run: java -jar stress/target/jcstress.jar -t ClearTagVsSleeperNoBarrier -m quick -sc false
 */
@JCStressTest

@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The sleeper's retry saw the freed tag and took it.")
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "The sleeper queued and missed the tag; the free found it queued and woke it.")
@Outcome(id = "-1, 1", expect = FORBIDDEN, desc = "Lost wake-up: the sleeper is parked, the tag is free, the free is done and woke nobody.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-9: the model reported a kernel bug).")
@State
public class ClearTagVsSleeperNoBarrier {
    private final Tags t = new Tags(1, TagBug.CLEAR_TAG_NO_BARRIER).full();
    private final StartLine startLine = new StartLine();
    private Task sleeper;

    /** The completion on CPU 0: blk_mq_put_tag(tag 0), i.e. clear_bit, smp_mb(), bt_wake_ptr, wake_up. */
    @Actor
    public void free() {
        t.kernel.runOn(0, "free", () -> {
            startLine.await();
            Tags.guarded(() -> {
                t.put(0);
                return 0;
            });
        });
    }

    /** The allocator on CPU 1, bt_get up to io_schedule(); r1 = the tag it got, or -1. */
    @Actor
    public void sleeper(II_Result r) {
        r.r1 = t.kernel.runOn(1, "sleeper", () -> {
            sleeper = t.kernel.current();
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(t.q, true, false);
            startLine.await();
            int tag = Tags.guarded(() -> BlkMqTagAlloc.btGetUntilSchedule(data));
            t.q.putCtx(data.ctx());
            return tag;
        });
    }

    /** After both: r2 = the sleeper is still in TASK_UNINTERRUPTIBLE, i.e. nobody woke it. */
    @Arbiter
    public void asleep(II_Result r) {
        r.r2 = sleeper.state() == Task.TASK_RUNNING ? 0 : 1;
    }
}
