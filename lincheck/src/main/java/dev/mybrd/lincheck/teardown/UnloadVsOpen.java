package dev.mybrd.lincheck.teardown;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.teardown.BdevMap;
import dev.mybrd.teardown.MyBrdModule;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * MYBRD-07 (P28): the mybrd module loaded with page 0 holding pattern 7, then {@code rmmod mybrd}
 * on one CPU against {@code dd if=/dev/mybrd bs=4k count=1} (open, read, close) on another. The
 * kernel's answers, one after the other: the read returns 7 (it ran first) or the open fails with
 * {@code -ENXIO} (the disk is gone). Checked against v4.4 brd's order as the sequential
 * specification ({@link BrdV44}): a run whose open oopses on freed memory is the defect.
 * {@code rmmod}'s own answer (0, or {@code -EWOULDBLOCK} while the reader holds the module) is not
 * compared.
 */
public abstract class UnloadVsOpen {
    /** The byte the setup wrote to page 0. */
    static final int PATTERN = 7;
    private final Kernel kernel = new Kernel(2);
    private final MyBrdModule mybrd;

    protected UnloadVsOpen() {
        mybrd = kernel.runOn(0, "insmod", () -> {
            MyBrdModule m = new MyBrdModule(kernel, new BdevMap(kernel), order());
            m.preload(0, PATTERN);
            return m;
        });
    }

    protected abstract MyBrdModule.Order order();

    /** {@code rmmod mybrd}. */
    @Operation
    public void rmmod() {
        kernel.runOn(0, "rmmod", mybrd::rmmod);
    }

    /** {@code dd if=/dev/mybrd bs=4k count=1}: the first byte, or the negative errno. */
    @Operation
    public int open() {
        return kernel.runOn(1, "dd", mybrd::openReadClose);
    }

    /** mybrd master's {@code mybrd_exit}. */
    public static class MybrdMaster extends UnloadVsOpen {
        @Override
        protected MyBrdModule.Order order() {
            return MyBrdModule.Order.MYBRD_MASTER;
        }
    }

    /** v4.4 brd's {@code brd_exit}. */
    public static class BrdV44 extends UnloadVsOpen {
        @Override
        protected MyBrdModule.Order order() {
            return MyBrdModule.Order.BRD_V4_4;
        }
    }
}
