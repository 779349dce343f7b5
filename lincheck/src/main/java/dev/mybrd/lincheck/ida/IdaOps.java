package dev.mybrd.lincheck.ida;

import dev.mybrd.idr.Ida;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The operations the IDA checks perform: {@code ida_simple_get} and {@code ida_simple_remove} as
 * tasks on the given simulated CPU, with a blocking mask ({@code GFP_KERNEL} in process context).
 * Results are the id or the negative errno. The {@code cpu} argument is Lincheck's thread id, so each
 * thread runs on its own CPU.
 *
 * <p>The constructor allocates ids {@code 0 .. initiallyHeld() - 1} and then preallocates
 * ({@code ida_pre_get}) as the next caller would, so that the interleavings explored are those of the
 * allocation itself rather than of free-list fills. A class that starts with ids held pairs with a
 * specification that starts with them too ({@link IdaSpec.Holding1}, {@link IdaSpec.Holding2}).
 * After every scenario {@link #structureIsIntact} checks the tree (counts, full marks, {@code nr_busy}).
 */
public abstract class IdaOps {
    protected final Kernel kernel = new Kernel(4);
    protected final Ida ida = new Ida(kernel, "lincheck_ida", config());

    protected IdaOps() {
        kernel.runOn(3, "init", () -> {
            for (int i = 0; i < initiallyHeld(); i++) {
                if (ida.simpleGet(0, 0, Gfp.NOIO) != i) {
                    throw new IllegalStateException("initial ida_simple_get did not answer " + i);
                }
            }
            return ida.preGet(Gfp.NOIO);
        });
    }

    /** How many ids (0, 1, ...) are held before the scenario starts. */
    protected int initiallyHeld() {
        return 0;
    }

    /** The IDA under check; seeded-bug variants and the small tree override it. */
    protected Ida.Config config() {
        return Ida.Config.defaults();
    }

    protected int simpleGet(int cpu, int start, int end) {
        return kernel.runOn(cpu % kernel.nrCpus(), "get", () -> ida.simpleGet(start, end, Gfp.NOIO));
    }

    protected int simpleRemove(int cpu, int id) {
        return kernel.runOn(cpu % kernel.nrCpus(), "remove", () -> ida.simpleRemove(id));
    }

    @Validate
    public void structureIsIntact() {
        String broken = ida.checkInvariants();
        if (broken != null) {
            throw new IllegalStateException("IDA structure broken: " + broken);
        }
    }
}
