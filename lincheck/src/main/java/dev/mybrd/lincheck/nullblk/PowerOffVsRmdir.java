package dev.mybrd.lincheck.nullblk;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.nullblk.NullbConfigfs;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * A powered-on null_blk configfs device, then {@code echo 0 > power} racing {@code rmdir} of the
 * device's directory (KR-22). Run one after the other, whichever comes first deletes the device and
 * the other finds it down; a run where one of them oopses in {@code null_del_dev} is the race.
 */
public abstract class PowerOffVsRmdir {
    private final Kernel kernel = new Kernel(2);
    private final NullbConfigfs dev = new NullbConfigfs(kernel, variant());

    protected PowerOffVsRmdir() {
        kernel.runOn(0, "setup", () -> dev.powerStore("1"));
    }

    protected abstract NullbConfigfs.Variant variant();

    /** {@code echo 0 > /sys/kernel/config/nullb/nullb0/power}; the bytes written. */
    @Operation
    public int powerOff() {
        return kernel.runOn(0, "echo", () -> dev.powerStore("0"));
    }

    /** {@code rmdir /sys/kernel/config/nullb/nullb0}. */
    @Operation
    public int rmdir() {
        kernel.runOn(1, "rmdir", dev::dropItem);
        return 0;
    }

    /** Before 7602843fd873. */
    public static class TestThenClear extends PowerOffVsRmdir {
        @Override
        protected NullbConfigfs.Variant variant() {
            return NullbConfigfs.Variant.TEST_THEN_CLEAR;
        }
    }

    /** 7602843fd873. */
    public static class TestAndClear extends PowerOffVsRmdir {
        @Override
        protected NullbConfigfs.Variant variant() {
            return NullbConfigfs.Variant.TEST_AND_CLEAR;
        }
    }
}
