package dev.mybrd.stress.mqtags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.BlkMqTagAlloc;
import dev.mybrd.kernel.Task;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.stress.waitqueue.StartLine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P16 / P11 (spec 3.10 classic bug (c), KR-01 shape): a free against a task about to sleep for a tag,
 * on a full map of one tag. The free clears the bit, runs smp_mb() and looks for sleepers
 * (bt_wake_ptr: waitqueue_active, lockless); the sleeper queues itself (prepare_to_wait, whose
 * set_current_state is a full barrier) and retries __bt_get. That is the store-buffering pattern with
 * a fence on each side: the free sees the sleeper and wakes it (wake_cnt is 1), or the retry sees the
 * clear bit. The sleeper stops where it would call io_schedule() (BlkMqTagAlloc.btGetUntilSchedule),
 * so a sample never blocks; the arbiter then reads its task state.
 *
 * Run: java -jar stress/target/jcstress.jar -t "\\.ClearTagVsSleeper$" -m quick -sc false
 * Seeded variant with the same outcomes: ClearTagVsSleeperNoBarrier (not in the gate, see it).
 */
@JCStressTest
@StressCheck(chapter = "mq-tags", property = "P16 no lost wake-up between bt_clear_tag and bt_get", seeded = "")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "The sleeper's retry saw the freed tag and took it.")
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "The sleeper queued and missed the tag; the free found it queued and woke it.")
@Outcome(id = "-1, 1", expect = FORBIDDEN, desc = "Lost wake-up: the sleeper is parked, the tag is free, the free is done and woke nobody.")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-9: the model reported a kernel bug).")
@State
public class ClearTagVsSleeper {
    private final Tags t = new Tags(1, null).full();
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
