package dev.mybrd.lincheck.rcu;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * P9, the grace-period guarantee with {@code synchronize_rcu}: readers of {@code gbl_foo} against
 * updaters that replace it, wait for a grace period and free the old object. A reader that
 * dereferenced the old object before the replacement is still inside its section, so the updater
 * must not free it yet; if it does, the reader reads {@code POISON_FREE} and the execution is not
 * linearizable against {@link FooSpec}.
 */
@Param(name = "cpu", gen = IntGen.class, conf = "0:3")
public class SynchronizeFoo extends FooOps {
    @Operation
    public int read(@Param(name = "cpu") int cpu) {
        return readFoo(cpu);
    }

    @Operation
    public int update(@Param(name = "cpu") int cpu) {
        return updateFoo(cpu);
    }
}
