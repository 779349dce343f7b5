package dev.mybrd.idr;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * {@code static DEFINE_SPINLOCK(simple_ida_lock)} of {@code lib/idr.c}: one lock for every IDA's
 * simple API on a machine, taken with interrupts saved. The model has one per {@link Kernel}, so
 * IDAs of one simulated machine share it as in the kernel and separate machines do not interfere.
 * The IDAs hold the lock; the table holds neither the machine nor the lock strongly, so machines
 * built by the thousand (a jcstress run) are collected with their IDAs.
 */
final class SimpleIdaLock {
    private static final Map<Kernel, WeakReference<SpinLock>> LOCKS = new WeakHashMap<>();

    private SimpleIdaLock() {
    }

    /** The machine's {@code simple_ida_lock}. */
    static SpinLock of(Kernel kernel) {
        synchronized (LOCKS) {
            WeakReference<SpinLock> ref = LOCKS.get(kernel);
            SpinLock lock = ref == null ? null : ref.get();
            if (lock == null) {
                lock = new SpinLock(kernel, "simple_ida_lock");
                LOCKS.put(kernel, new WeakReference<>(lock));
            }
            return lock;
        }
    }
}
