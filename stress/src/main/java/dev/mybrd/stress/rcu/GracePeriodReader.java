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
 * P9, the grace-period guarantee (spec 3.3 invariant I1; LKMM's RCU+sync+free). gbl_foo points to a
 * foo with a = 1. The reader (CPU1) takes rcu_read_lock, dereferences gbl_foo and reads foo->a. The
 * updater (CPU0) publishes a foo with a = 2, calls synchronize_rcu and frees the old foo, which
 * poisons it (POISON_FREE, 0x6b6b6b6b). A reader that picked up the old foo is still inside its
 * section, so synchronize_rcu waits for it: the reader reads 1 or 2, never the poison.
 *
 * Run: java -jar stress/target/jcstress.jar -t GracePeriodReader -m quick
 */
@JCStressTest
@StressCheck(chapter = "rcu", property = "P9 grace period: no reader sees a freed object", seeded = "")
@Outcome(id = "1", expect = ACCEPTABLE, desc = "The reader read the old foo, which was freed only after it left.")
@Outcome(id = "2", expect = ACCEPTABLE, desc = "The reader read the new foo.")
@Outcome(id = "1802201963", expect = FORBIDDEN, desc = "POISON_FREE: the reader read a foo that was already freed.")
@Outcome(expect = FORBIDDEN, desc = "Anything else.")
@State
public class GracePeriodReader {
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
            rcu.synchronizeRcu();
            old.kfree();
        });
    }
}
