package dev.mybrd.stress.mqtags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.blkmq.BlkMqAllocData;
import dev.mybrd.blkmq.TagBug;
import dev.mybrd.stress.StressCheck;
import dev.mybrd.stress.waitqueue.StartLine;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug NONATOMIC_TEST_AND_SET (spec 3.10 classic bug (a)): __bt_get_word claims the bit with
 * test_bit and then __set_bit. Both CPUs can see bit 0 clear and both store it set: "0, 0".
 *
 * Same actors and outcome specification as TwoAllocators (read it first); only the map differs.
 *
 * Run: java -jar stress/target/jcstress.jar -t TwoAllocatorsNonAtomicTestAndSet -m quick -sc false
 */
@JCStressTest
@StressCheck(chapter = "mq-tags", property = "P15 two allocators never share a tag", seeded = "NONATOMIC_TEST_AND_SET")
@Outcome(id = {"0, -1", "-1, 0"}, expect = ACCEPTABLE, desc = "One allocator got the only tag, the other BLK_MQ_TAG_FAIL.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Both got tag 0: two in-flight requests share a tag (P15, T1).")
@Outcome(expect = FORBIDDEN, desc = "Anything else (-9: the model reported a kernel bug).")
@State
public class TwoAllocatorsNonAtomicTestAndSet {
    private final Tags t = new Tags(1, TagBug.NONATOMIC_TEST_AND_SET);
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
