package dev.mybrd.stress.rcu;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mybrd.rcu.RcuObject;
import dev.mybrd.rcu.RcuPointer;
import dev.mybrd.stress.StressCheck;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/*
 * P5, publish/subscribe (spec 3.3 invariant I3; the LKMM litmus test MP+onceassign+derefonce).
 * gbl_foo starts NULL. The publisher allocates a struct foo, sets foo->a = 42 and publishes it with
 * rcu_assign_pointer (a release store); the reader loads it with rcu_dereference (an acquire load)
 * and reads foo->a. Seeing the pointer but not the initialisation is forbidden.
 *
 * rcu_read_lock() is preempt_disable(), which orders nothing between CPUs, so, as in the litmus test,
 * it is left out: this is the ordering of the pointer accessors alone.
 *
 * Run: java -jar stress/target/jcstress.jar -t RcuPublish -m quick
 * Seeded twin with the same outcomes (not gated, see its comment): RcuPublishPlain.
 */
@JCStressTest
@StressCheck(chapter = "rcu", property = "P5 publish/subscribe (rcu_assign_pointer/rcu_dereference)", seeded = "")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "The reader ran before the publication: NULL.")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "The reader saw the published, initialised foo.")
@Outcome(id = "0", expect = FORBIDDEN, desc = "The reader saw the pointer but not foo->a = 42.")
@State
public class RcuPublish {
    private final RcuPointer<RcuObject> gblFoo = new RcuPointer<>(null);

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
