package dev.mybrd.stress.mqtags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.stress.waitqueue.StartLine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P15 (spec 3.10 T1): two CPUs allocate from a map of one tag at once, both starting at hint 0, so
 * both find bit 0 clear. test_and_set_bit is one atomic step: one of them sets the bit and gets tag 0,
 * the other sees it already set, finds no other zero bit and fails.
 *
 * Both actors meet at a StartLine (see dev.mybrd.stress.waitqueue.StartLine) right before
 * blk_mq_get_tag, inside their tasks, so that their windows overlap.
 *
 * Run: java -jar stress/target/jcstress.jar -t "\\.TwoAllocators$" -m quick -sc false
 * Seeded variant with the same outcomes: TwoAllocatorsNonAtomicTestAndSet.
 */
@JCStressTest
@StressCheck(chapter = "mq-tags", property = "P15 two allocators never share a tag", seeded = "")
@Outcome(id = {"0, -1", "-1, 0"}, expect = ACCEPTABLE, desc = "One allocator got the only tag, the other BLK_MQ_TAG_FAIL.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Both got tag 0: two in-flight requests share a tag (P15, T1).")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-9: the model reported a kernel bug).")
@State
public class TwoAllocators {
    private final Tags t = new Tags(1, null);
    private final StartLine startLine = new StartLine();

    /** blk_mq_get_tag without sleeping on CPU 0. */
    @Actor
    public void allocatorA(II_Result r) {
        r.r1 = t.kernel.runOn(0, "allocA", () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(t.q, false, false);
            startLine.await();
            return Tags.getNoWait(t, data);
        });
    }

    /** The same on CPU 1. */
    @Actor
    public void allocatorB(II_Result r) {
        r.r2 = t.kernel.runOn(1, "allocB", () -> {
            BlkMqAllocData data = BlkMqAllocData.getCtxAndSet(t.q, false, false);
            startLine.await();
            return Tags.getNoWait(t, data);
        });
    }
}
