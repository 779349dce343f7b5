package dev.mybrd.lincheck.ramdisk;

import dev.mybrd.driver.Bug;
import dev.mybrd.driver.MyBrd;

/**
 * The RAM-disk checks run against seeded bugs: the same operations and specification, a device
 * with one {@link Bug} switched on. Each must make its check fail.
 */
public final class SeededRamDisks {
    private SeededRamDisks() {
    }

    /** {@link Bug#INSERT_WITHOUT_LOCK} under the per-sector check. */
    public static class InsertWithoutLock extends PerSectorRamDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.INSERT_WITHOUT_LOCK);
        }
    }

    /** {@link Bug#INSERT_WITHOUT_RECHECK} under the per-sector check. */
    public static class InsertWithoutRecheck extends PerSectorRamDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.INSERT_WITHOUT_RECHECK);
        }
    }

    /** {@link Bug#ZERO_AFTER_PUBLISH} under the per-sector check. */
    public static class ZeroAfterPublish extends PerSectorRamDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.ZERO_AFTER_PUBLISH);
        }
    }

    /** {@link Bug#MYBRD_TWO_PAGE_SETUP} under the two-page operations. */
    public static class MybrdTwoPageSetup extends TwoPageRamDisk {
        @Override
        protected MyBrd.Config config() {
            return super.config().withBug(Bug.MYBRD_TWO_PAGE_SETUP);
        }
    }
}
