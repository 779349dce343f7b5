package dev.mybrd.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.rcu.RcuBug;
import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/*
 * Seeded bug PLAIN_PUBLISH: rcu_assign_pointer as a plain store and rcu_dereference as a plain load.
 * Nothing then keeps the store of foo->a before the store of the pointer (the JIT may reorder them,
 * a weakly ordered CPU may make them visible out of order).
 *
 * Same actors and outcome specification as RcuPublish (read it first); only the pointer differs.
 *
 * NOT GATED (no @StressCheck): on the x86-64 machines this project runs on, TSO keeps stores in
 * order and HotSpot's C2 did not reorder these two stores in our runs, so the forbidden outcome was
 * never observed (see docs/chapters/rcu.md for the counts). The seeded bug is caught
 * deterministically by the Lincheck check seeded-publish-before-init, which plays the reordering
 * out. On ARM or POWER this test is expected to show "0"; run it there with
 *   java -jar stress/target/jcstress.jar -t RcuPublishPlain -m quick
 */
@JCStressTest
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "The reader ran before the publication: NULL.")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "The reader saw the published, initialised foo.")
@Outcome(id = "0", expect = FORBIDDEN, desc = "The reader saw the pointer but not foo->a = 42.")
@State
public class RcuPublishPlain {
    private final RcuPointer<RcuObject> gblFoo = RcuPointer.seeded(RcuBug.PLAIN_PUBLISH, null);

    @Actor
    public void publisher() {
        RcuObject foo = new RcuObject();
        foo.setA(42);
        gblFoo.assign(foo);
    }

    @Actor
    public void reader(I_Result r) {
        RcuObject p = gblFoo.dereference();
        r.r1 = p == null ? -1 : p.a();
    }
}
