package dev.mybrd.nullblk;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.Mutex;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * null_blk's configfs device ({@code struct nullb_device} under {@code /sys/kernel/config/nullb/}),
 * reduced to its power switch: writing 1 to {@code power} creates the block device
 * ({@code null_add_dev}), writing 0 removes it ({@code null_del_dev}), and removing the configfs
 * directory ({@code nullb_group_drop_item}, i.e. {@code rmdir}) removes it too if it is up. The flag
 * {@code NULLB_DEV_FL_UP} in {@code dev->flags} says whether it is up; {@code dev->nullb} points at the
 * live device and is cleared when it is deleted.
 *
 * <p><b>The race (KR-22).</b> Before commit 7602843fd873 ("block: null_blk: fix race condition for
 * null_del_dev", 2019), both removal paths <i>tested</i> {@code NULLB_DEV_FL_UP} and cleared it only
 * after {@code null_del_dev}; an {@code rmdir} racing a {@code power=0} write could both pass the test
 * and both delete: the second one dereferences the {@code nullb} the first has freed (NULL in the
 * report). The fix makes the decision with {@code test_and_clear_bit}: exactly one remover sees the
 * bit set. The pre-fix lines here are reconstructed from the commit's description (kernel-races notes);
 * the fixed ones follow the v5.x driver ({@code nullb_device_power_store} under the global
 * {@code lock} mutex).
 *
 * <p>Bad input: writing a value other than 0 or 1 is {@code -EINVAL} and changes nothing.
 */
public final class NullbConfigfs {
    /** Which driver's removal code runs. */
    public enum Variant {
        /** Before 7602843fd873: test_bit, delete, then clear_bit. */
        TEST_THEN_CLEAR,
        /** 7602843fd873: test_and_clear_bit decides who deletes. */
        TEST_AND_CLEAR
    }

    private static final int NULLB_DEV_FL_UP = 1;
    private static final VarHandle FLAGS;
    private static final VarHandle NULLB;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(NullbConfigfs.class, "flags", int.class);
            NULLB = l.findVarHandle(NullbConfigfs.class, "nullb", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final Variant variant;
    /** null_blk's module-wide {@code static DEFINE_MUTEX(lock)}. */
    private final Mutex lock;
    @SuppressWarnings("unused") private int flags;
    @SuppressWarnings("unused") private Object nullb;
    private boolean power;
    private volatile int deletes;

    public NullbConfigfs(Kernel kernel, Variant variant) {
        this.kernel = kernel;
        this.variant = variant;
        this.lock = new Mutex(kernel, "null_blk lock");
    }

    /** {@code nullb_device_power_store}: "1" or "0"; returns the bytes taken or {@code -EINVAL}. */
    public int powerStore(String value) {
        boolean newp;
        if ("1".equals(value)) {
            newp = true;
        } else if ("0".equals(value)) {
            newp = false;
        } else {
            return -22;
        }
        lock.lock();
        try {
            if (!power && newp) {
                if (((int) FLAGS.getAndBitwiseOr(this, NULLB_DEV_FL_UP) & NULLB_DEV_FL_UP) != 0) {
                    return value.length();
                }
                nullAddDev();
                power = true;
            } else if (power && !newp) {
                if (variant == Variant.TEST_AND_CLEAR) {
                    if (testAndClearUp()) {
                        power = false;
                        nullDelDev();
                    }
                } else if (testUp()) {
                    power = false;
                    nullDelDev();
                    clearUp();
                }
            }
        } finally {
            lock.unlock();
        }
        return value.length();
    }

    /** {@code nullb_group_drop_item}: {@code rmdir} of the device's configfs directory. */
    public void dropItem() {
        if (variant == Variant.TEST_AND_CLEAR) {
            if (testAndClearUp()) {
                lock.lock();
                try {
                    power = false;
                    nullDelDev();
                } finally {
                    lock.unlock();
                }
            }
            return;
        }
        if (testUp()) {
            power = false;
            nullDelDev();
            clearUp();
        }
    }

    /** Whether the block device exists. */
    public boolean up() {
        return testUp();
    }

    /** {@code null_del_dev} calls so far. */
    public int deletes() {
        return deletes;
    }

    private void nullAddDev() {
        NULLB.setRelease(this, new Object());
    }

    /** {@code null_del_dev(dev->nullb)}: frees the device; a second delete finds it gone. */
    private void nullDelDev() {
        Object nb = NULLB.getAndSet(this, null);
        deletes++;
        if (nb == null) {
            throw new KernelBug("BUG: kernel NULL pointer dereference in null_del_dev: the device was"
                    + " already deleted (" + deletes + " deletes)");
        }
    }

    private boolean testUp() {
        return ((int) FLAGS.getVolatile(this) & NULLB_DEV_FL_UP) != 0;
    }

    private void clearUp() {
        FLAGS.getAndBitwiseAnd(this, ~NULLB_DEV_FL_UP);
    }

    private boolean testAndClearUp() {
        return ((int) FLAGS.getAndBitwiseAnd(this, ~NULLB_DEV_FL_UP) & NULLB_DEV_FL_UP) != 0;
    }
}
