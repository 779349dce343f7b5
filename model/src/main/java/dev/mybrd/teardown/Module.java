package dev.mybrd.teardown;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.KernelBug;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct module} of v4.4's {@code kernel/module.c}, reduced to what unloading a block driver
 * races with: the state, the reference count and the module's memory (its code and static data, such
 * as a driver's {@code block_device_operations}).
 *
 * <p><b>Reference count.</b> {@code refcnt} starts at {@code MODULE_REF_BASE} (1), the load's own
 * reference. {@link #tryModuleGet} takes a reference only while the module is LIVE and the count is
 * not zero ({@code module_is_live} then {@code atomic_inc_not_zero}); {@link #modulePut} drops one.
 * Every opener of a block device holds a reference on its driver from {@code get_disk} to
 * {@code blkdev_put}.
 *
 * <p><b>Unload</b> ({@link #deleteModule}, the {@code delete_module} syscall that {@code rmmod}
 * makes): {@code try_stop_module} drops the base reference; if the count is then not zero, somebody
 * uses the module, the base is put back ({@code atomic_add_unless(.., 0)}: unless the user let go
 * meanwhile) and the call fails with {@code -EWOULDBLOCK}. Otherwise the module is marked GOING, so no
 * {@code try_module_get} succeeds any more, the driver's exit function runs, and
 * {@code free_module} releases the module's memory. Anything that still points into that memory (a
 * {@code disk->fops} nobody unpublished) then points at freed memory: {@link #checkMemory} reports an
 * access to it explicitly (on x86 the vmalloc'd module area is unmapped, so the kernel oopses with
 * "unable to handle kernel paging request"; v4.4's KASAN does not cover vmalloc memory).
 */
public final class Module {
    /** {@code MODULE_REF_BASE}. */
    static final int MODULE_REF_BASE = 1;

    /** {@code enum module_state}, the values unloading passes through. */
    public enum State { LIVE, GOING, UNFORMED }

    private static final VarHandle REFCNT;
    private static final VarHandle STATE;
    private static final VarHandle FREED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            REFCNT = l.findVarHandle(Module.class, "refcnt", int.class);
            STATE = l.findVarHandle(Module.class, "state", State.class);
            FREED = l.findVarHandle(Module.class, "freed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    @SuppressWarnings("unused") private int refcnt;
    @SuppressWarnings("unused") private State state;
    @SuppressWarnings("unused") private boolean freed;

    /** A module just loaded ({@code load_module} has run its init): LIVE, count {@code MODULE_REF_BASE}. */
    public Module(String name) {
        this.name = name;
        REFCNT.setRelease(this, MODULE_REF_BASE);
        STATE.setRelease(this, State.LIVE);
    }

    public String name() {
        return name;
    }

    /** {@code try_module_get(mod)}. */
    public boolean tryModuleGet() {
        if (STATE.getVolatile(this) != State.LIVE) {
            return false;
        }
        int c = (int) REFCNT.getVolatile(this);
        while (c != 0) {
            int seen = (int) REFCNT.compareAndExchange(this, c, c + 1);
            if (seen == c) {
                return true;
            }
            c = seen;
        }
        return false;
    }

    /** {@code module_put(mod)}: {@code atomic_dec_if_positive}; a put with nothing held WARNs (here: BUG). */
    public void modulePut() {
        int c = (int) REFCNT.getVolatile(this);
        while (true) {
            KernelBug.bugOn(c <= 0, () -> "module_put(" + name + ") without a reference");
            int seen = (int) REFCNT.compareAndExchange(this, c, c - 1);
            if (seen == c) {
                return;
            }
            c = seen;
        }
    }

    /**
     * {@code delete_module(name)}: 0 after the exit function ran and the memory was freed;
     * {@code -EBUSY} if the module is not LIVE; {@code -EWOULDBLOCK} if it is in use.
     */
    public int deleteModule(Runnable exit) {
        if (STATE.getVolatile(this) != State.LIVE) {
            return Errno.EBUSY.negative();
        }
        int ret = tryStopModule();
        if (ret != 0) {
            return ret;
        }
        exit.run();
        freeModule();
        return 0;
    }

    /** {@code try_stop_module}: {@code try_release_module_ref}, then the state GOING. */
    private int tryStopModule() {
        int left = (int) REFCNT.getAndAdd(this, -MODULE_REF_BASE) - MODULE_REF_BASE;
        KernelBug.bugOn(left < 0, () -> "module " + name + " refcnt below its base");
        if (left != 0 && addUnlessZero()) {
            return Errno.EAGAIN.negative(); // -EWOULDBLOCK
        }
        STATE.setVolatile(this, State.GOING);
        return 0;
    }

    /** {@code atomic_add_unless(&mod->refcnt, MODULE_REF_BASE, 0)}. */
    private boolean addUnlessZero() {
        int c = (int) REFCNT.getVolatile(this);
        while (c != 0) {
            int seen = (int) REFCNT.compareAndExchange(this, c, c + MODULE_REF_BASE);
            if (seen == c) {
                return true;
            }
            c = seen;
        }
        return false;
    }

    /** {@code free_module}: the state UNFORMED, then {@code module_memfree} of code and data. */
    private void freeModule() {
        STATE.setVolatile(this, State.UNFORMED);
        FREED.setRelease(this, true);
    }

    /**
     * {@code function} reads {@code symbol}, which lies in this module's memory: an oops if
     * {@code free_module} released it.
     */
    public void checkMemory(String symbol, String function) {
        if ((boolean) FREED.getAcquire(this)) {
            throw new KernelBug("BUG: unable to handle kernel paging request in " + function + ": it reads "
                    + symbol + ", which lay in module " + name + "'s memory, freed by free_module"
                    + " (use-after-free)");
        }
    }

    /** {@code module_refcount(mod)} with the base subtracted: how many users hold it. */
    public int users() {
        return (int) REFCNT.getVolatile(this) - (STATE.getVolatile(this) == State.LIVE ? MODULE_REF_BASE : 0);
    }

    public State state() {
        return (State) STATE.getVolatile(this);
    }

    /** Whether {@code free_module} ran. */
    public boolean freed() {
        return (boolean) FREED.getVolatile(this);
    }
}
