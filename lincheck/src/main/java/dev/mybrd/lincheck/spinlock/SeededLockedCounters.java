package dev.mybrd.lincheck.spinlock;

import dev.mybrd.locking.LockBug;
import java.util.EnumSet;
import java.util.Set;

/** {@link LockedCounter} over lock variants: the same operations and specification, one {@link LockBug} on. */
public final class SeededLockedCounters {
    private SeededLockedCounters() {
    }

    /** {@link LockBug#NO_OWNER_CHECK}: a stray unlock advances head; must be caught. */
    public static class NoOwnerCheck extends LockedCounter {
        @Override
        protected Set<LockBug> bugs() {
            return EnumSet.of(LockBug.NO_OWNER_CHECK);
        }
    }

    /** {@link LockBug#XADD_WITHOUT_LOCK_PREFIX}: two tasks can draw one ticket; must be caught. */
    public static class XaddWithoutLockPrefix extends LockedCounter {
        @Override
        protected Set<LockBug> bugs() {
            return EnumSet.of(LockBug.XADD_WITHOUT_LOCK_PREFIX);
        }
    }

    /** {@link LockBug#CMPXCHG_LOCK}: unfair but mutually exclusive, so this check must pass. */
    public static class CmpxchgLock extends LockedCounter {
        @Override
        protected Set<LockBug> bugs() {
            return EnumSet.of(LockBug.CMPXCHG_LOCK);
        }
    }
}
