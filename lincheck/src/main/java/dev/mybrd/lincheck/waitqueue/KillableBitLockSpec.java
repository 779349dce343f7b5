package dev.mybrd.lincheck.waitqueue;

/**
 * Sequential specification of {@link KillableBitLock}: constants; what the check adds is that every
 * operation returns, i.e. no locker sleeps on an unlocked page.
 */
public class KillableBitLockSpec {
    public int lockKillable(int cpu) {
        return 0;
    }

    public int lock(int cpu) {
        return 0;
    }

    public int unlockThenKill(int cpu) {
        return 0;
    }
}
