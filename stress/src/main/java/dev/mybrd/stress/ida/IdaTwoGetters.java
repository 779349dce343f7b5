package dev.mybrd.stress.ida;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.idr.Ida;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * P23, allocated ids are unique (spec 3.12). Id 0 is held; two tasks on CPUs 0 and 1 call
 * ida_simple_get(ida, 0, 0, GFP_KERNEL) at once. Both search the same bitmap word for its first
 * clear bit; simple_ida_lock makes one search and __set_bit finish before the other starts, so one
 * task gets 1 and the other 2.
 *
 * Run: java -jar stress/target/jcstress.jar -t IdaTwoGetters -m quick
 * Seeded variant with the same outcomes: IdaTwoGettersWithoutLock.
 */
@JCStressTest
@StressCheck(chapter = "ida", property = "P23 allocated ids are unique", seeded = "")
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE, desc = "Each task got its own id, the two lowest free ones.")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Both tasks got id 1: a duplicate.")
@Outcome(id = "2, 2", expect = FORBIDDEN, desc = "Both tasks got id 2: a duplicate, and id 1 was skipped.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: an error or an id that is not the lowest free one.")
@State
public class IdaTwoGetters {
    private final Kernel kernel = new Kernel(2);
    private final Ida ida = Idas.holding(kernel, 1, null);

    @Actor
    public void getterA(II_Result r) {
        r.r1 = Idas.get(kernel, 0, ida);
    }

    @Actor
    public void getterB(II_Result r) {
        r.r2 = Idas.get(kernel, 1, ida);
    }
}
