package dev.mybrd.stress.pageflags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.mm.PageFlags;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Atomic bitops never lose a bit (page-flags.md): set_bit(0) and set_bit(1) on the same flags word,
 * from two threads. Each is one atomic read-modify-write of the whole word, so both bits are set
 * afterwards. Bitops need no CPU context, so the actors call them directly.
 *
 * r1 = bit 0, r2 = bit 1 at the end.
 *
 * Run: java -jar stress/target/jcstress.jar -t SetBitVsSetBit -m quick
 */
@JCStressTest
@StressCheck(chapter = "page-flags", property = "bitops: no lost bit update (page-flags.md)", seeded = "")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Both bits set.")
@Outcome(expect = FORBIDDEN, desc = "A bit was lost: one update stored a stale copy of the word.")
@State
public class SetBitVsSetBit {
    private final PageFlags flags = new PageFlags();

    @Actor
    public void setBit0() {
        flags.setBit(0);
    }

    @Actor
    public void setBit1() {
        flags.setBit(1);
    }

    @Arbiter
    public void check(II_Result r) {
        r.r1 = flags.testBit(0) ? 1 : 0;
        r.r2 = flags.testBit(1) ? 1 : 0;
    }
}
