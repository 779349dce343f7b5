package dev.mybrd.stress.pageflags;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.mm.PageFlag;
import dev.mybrd.mm.PageFlags;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Atomic bitops never lose a bit, the case the double-underscore rule is about (page-flags.md): one
 * thread takes a page off the LRU with ClearPageLRU (clear_bit(PG_lru)) while another marks it dirty
 * with SetPageDirty (set_bit(PG_dirty)). Both flags live in the same word; with both updates atomic,
 * the page ends dirty and off the LRU.
 *
 * r1 = PageDirty, r2 = PageLRU at the end.
 *
 * Run: java -jar stress/target/jcstress.jar -t ClearLruVsSetDirty -m quick
 * Seeded variant with the same outcomes: ClearLruVsSetDirtyNonAtomic (__ClearPageLRU).
 */
@JCStressTest
@StressCheck(chapter = "page-flags", property = "bitops: no lost bit update (page-flags.md)", seeded = "")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Dirty and off the LRU: both updates landed.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "PG_dirty lost: the clear stored back a word read before the set.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: PG_lru came back or both were lost.")
@State
public class ClearLruVsSetDirty {
    private final PageFlags flags = new PageFlags(1L << PageFlag.PG_LRU.nr());

    @Actor
    public void isolate() {
        flags.clear(PageFlag.PG_LRU);
    }

    @Actor
    public void dirty() {
        flags.set(PageFlag.PG_DIRTY);
    }

    @Arbiter
    public void check(II_Result r) {
        r.r1 = flags.test(PageFlag.PG_DIRTY) ? 1 : 0;
        r.r2 = flags.test(PageFlag.PG_LRU) ? 1 : 0;
    }
}
