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
 * Seeded bug: __ClearPageLRU (__clear_bit(PG_lru)) on a page another CPU can still update. The
 * double-underscore form is a plain load and store of the whole flags word; a SetPageDirty that lands
 * between them is overwritten with the stale word, and the page's dirty bit, hence its data, is lost.
 *
 * Same actors and outcome specification as ClearLruVsSetDirty (read it first); only the clear is
 * the non-atomic form. The lost PG_dirty stays FORBIDDEN: this check is expected to observe it.
 *
 * Run: java -jar stress/target/jcstress.jar -t ClearLruVsSetDirtyNonAtomic -m quick
 */
@JCStressTest
@StressCheck(chapter = "page-flags", property = "bitops: no lost bit update (page-flags.md)", seeded = "__CLEAR_BIT_WITHOUT_EXCLUSION")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Dirty and off the LRU: both updates landed.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "PG_dirty lost: the clear stored back a word read before the set.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: PG_lru came back or both were lost.")
@State
public class ClearLruVsSetDirtyNonAtomic {
    private final PageFlags flags = new PageFlags(1L << PageFlag.PG_LRU.nr());

    @Actor
    public void isolate() {
        flags.__clear(PageFlag.PG_LRU);
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
