package dev.mybrd.stress.ida;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/*
 * Seeded bug GET_WITHOUT_LOCK: ida_simple_get calls ida_get_new_above without simple_ida_lock. Both
 * tasks can read the bitmap word before either sets its bit, and both return id 1.
 *
 * Same actors and outcome specification as IdaTwoGetters (read it first); only the IDA's
 * configuration differs. The duplicate is still FORBIDDEN: this check is expected to observe it,
 * which proves that IdaTwoGetters would catch this bug. The gate reports CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t IdaTwoGettersWithoutLock -m quick
 */
@JCStressTest
@StressCheck(chapter = "ida", property = "P23 allocated ids are unique", seeded = "GET_WITHOUT_LOCK")
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE, desc = "Each task got its own id, the two lowest free ones.")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "Both tasks got id 1: a duplicate.")
@Outcome(id = "2, 2", expect = FORBIDDEN, desc = "Both tasks got id 2: a duplicate, and id 1 was skipped.")
@Outcome(expect = FORBIDDEN, desc = "Anything else: an error or an id that is not the lowest free one.")
@State
public class IdaTwoGettersWithoutLock {
    private final Kernel kernel = new Kernel(2);
    private final Ida ida = Idas.holding(kernel, 1, IdaBug.GET_WITHOUT_LOCK);

    @Actor
    public void getterA(II_Result r) {
        r.r1 = Idas.get(kernel, 0, ida);
    }

    @Actor
    public void getterB(II_Result r) {
        r.r2 = Idas.get(kernel, 1, ida);
    }
}
