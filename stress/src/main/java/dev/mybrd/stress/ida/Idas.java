package dev.mybrd.stress.ida;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;

/**
 * Plumbing shared by the ida checks: an IDA on a 2-CPU machine that already holds ids
 * {@code 0 .. held - 1} and has preallocated for the next caller, so that the actors race in the
 * allocation itself. Not a test itself.
 */
final class Idas {
    private Idas() {
    }

    /** A v4.4 IDA holding ids {@code 0 .. held - 1}, with {@code bug} switched on unless it is null. */
    static Ida holding(Kernel kernel, int held, IdaBug bug) {
        Ida.Config config = bug == null ? Ida.Config.defaults() : Ida.Config.defaults().withBug(bug);
        Ida ida = new Ida(kernel, "stress_ida", config);
        kernel.runOn(0, "init", () -> {
            for (int i = 0; i < held; i++) {
                if (ida.simpleGet(0, 0, Gfp.NOIO) != i) {
                    throw new IllegalStateException("initial ida_simple_get did not answer " + i);
                }
            }
            return ida.preGet(Gfp.NOIO);
        });
        return ida;
    }

    /** {@code ida_simple_get(ida, 0, 0, GFP_KERNEL)} as a task on {@code cpu}. */
    static int get(Kernel kernel, int cpu, Ida ida) {
        return kernel.runOn(cpu, "get", () -> ida.simpleGet(0, 0, Gfp.NOIO));
    }
}
