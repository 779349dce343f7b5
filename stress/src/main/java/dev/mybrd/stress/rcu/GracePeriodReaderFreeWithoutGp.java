package dev.mybrd.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.rcu.Rcu;
import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/*
 * Seeded bug FREE_WITHOUT_GRACE_PERIOD (classic bug (a) of spec 3.3): the updater frees the old foo
 * right after publishing the new one, without synchronize_rcu. A reader that dereferenced the old
 * foo just before reads POISON_FREE.
 *
 * Same actors and outcome specification as GracePeriodReader (read it first); only the updater
 * differs. POISON_FREE is still FORBIDDEN: this check is expected to observe it. The gate reports
 * CAUGHT or MISSED.
 *
 * Run: java -jar stress/target/jcstress.jar -t GracePeriodReaderFreeWithoutGp -m quick
 */
@JCStressTest
@StressCheck(chapter = "rcu", property = "P9 grace period: no reader sees a freed object",
        seeded = "FREE_WITHOUT_GRACE_PERIOD")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "The reader read the old foo, which was freed only after it left.")
@Outcome(id = "2", expect = ACCEPTABLE, desc = "The reader read the new foo.")
@Outcome(id = "1802201963", expect = FORBIDDEN, desc = "POISON_FREE: the reader read a foo that was already freed.")
@Outcome(expect = FORBIDDEN, desc = "Anything else.")
@State
public class GracePeriodReaderFreeWithoutGp {
    private final Kernel kernel = new Kernel(2);
    private final Rcu rcu = new Rcu(kernel);
    private final RcuPointer<RcuObject> gblFoo = new RcuPointer<>(new RcuObject(1));

    @Actor
    public void reader(I_Result r) {
        kernel.runOn(1, "reader", () -> {
            rcu.readLock();
            RcuObject p = gblFoo.dereference();
            r.r1 = p.a();
            rcu.readUnlock();
        });
    }

    @Actor
    public void updater() {
        kernel.runOn(0, "updater", () -> {
            RcuObject old = gblFoo.dereferenceProtected(true);
            gblFoo.assign(new RcuObject(2));
            old.kfree();
        });
    }
}
