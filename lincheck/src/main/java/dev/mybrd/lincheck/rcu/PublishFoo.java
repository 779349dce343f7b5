package dev.mybrd.lincheck.rcu;

import dev.mybrd.rcu.RcuObject;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * P5, publish/subscribe: {@code gbl_foo} starts NULL; a publisher allocates a {@code struct foo},
 * sets {@code a = 42} and publishes it with {@code rcu_assign_pointer}; a reader sees NULL (-1) or
 * 42, never the uninitialised 0. Lincheck explores sequentially consistent interleavings, so the
 * reordering that a plain publish permits is written out in the seeded variant
 * ({@link SeededFoos.PublishBeforeInit}); the hardware/JIT side is the jcstress test
 * {@code RcuPublish}.
 */
@Param(name = "cpu", gen = IntGen.class, conf = "0:3")
public class PublishFoo extends FooOps {
    /** The value a published {@code foo} carries. */
    public static final int A = 42;

    @Override
    protected RcuObject initialFoo() {
        return null;
    }

    /** Initialise, then publish; the seeded variant reverses the two. */
    protected void initAndPublish(RcuObject foo) {
        foo.setA(A);
        gblFoo.assign(foo);
    }

    @Operation
    public int publish(@Param(name = "cpu") int cpu) {
        return kernel.runOn(cpu, "publisher", () -> {
            initAndPublish(new RcuObject());
            return 0;
        });
    }

    @Operation
    public int read(@Param(name = "cpu") int cpu) {
        return readFoo(cpu);
    }
}
