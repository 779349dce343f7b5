package dev.mybrd.lincheck.rcu;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * P10, {@code call_rcu}: updaters retire the old {@code gbl_foo} with a callback that frees it;
 * {@code rcu_barrier} then reports how many were freed. Each callback must run exactly once (a
 * second run is a double free, a missing one a short count) and only after a grace period (else a
 * reader that still holds the object reads {@code POISON_FREE}).
 */
@Param(name = "cpu", gen = IntGen.class, conf = "0:3")
public class CallRcuFoo extends FooOps {
    @Operation
    public int read(@Param(name = "cpu") int cpu) {
        return readFoo(cpu);
    }

    @Operation
    public int retire(@Param(name = "cpu") int cpu) {
        return retireFoo(cpu);
    }

    @Operation
    public int barrier(@Param(name = "cpu") int cpu) {
        return barrierCount(cpu);
    }
}
