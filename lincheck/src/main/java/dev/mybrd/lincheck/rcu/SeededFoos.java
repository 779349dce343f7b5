package dev.mybrd.lincheck.rcu;

import dev.mybrd.rcu.RcuBug;
import dev.mybrd.rcu.RcuObject;
import java.util.EnumSet;

/**
 * The RCU checks run against seeded bugs: the same operations and specifications with one bug
 * switched on, in the RCU implementation ({@link RcuBug}) or in the code that uses it. Each must
 * make its check fail.
 */
public final class SeededFoos {
    private SeededFoos() {
    }

    /**
     * Classic bug (a) of spec 3.3: the updater frees the old object right after unpublishing it,
     * without {@code synchronize_rcu}. A reader that dereferenced it just before reads freed memory.
     */
    public static class FreeWithoutGracePeriod extends SynchronizeFoo {
        @Override
        protected boolean updaterWaitsForReaders() {
            return false;
        }
    }

    /** {@link RcuBug#CALLBACK_JOINS_CURRENT_GP} under the {@code synchronize_rcu} check. */
    public static class JoinsCurrentGpSynchronize extends SynchronizeFoo {
        @Override
        protected EnumSet<RcuBug> bugs() {
            return EnumSet.of(RcuBug.CALLBACK_JOINS_CURRENT_GP);
        }
    }

    /** {@link RcuBug#CALLBACK_JOINS_CURRENT_GP} under the {@code call_rcu} check. */
    public static class JoinsCurrentGpCallRcu extends CallRcuFoo {
        @Override
        protected EnumSet<RcuBug> bugs() {
            return EnumSet.of(RcuBug.CALLBACK_JOINS_CURRENT_GP);
        }
    }

    /** {@link RcuBug#DONE_SEGMENT_NOT_SPLICED} under the {@code call_rcu} check. */
    public static class DoneSegmentNotSpliced extends CallRcuFoo {
        @Override
        protected EnumSet<RcuBug> bugs() {
            return EnumSet.of(RcuBug.DONE_SEGMENT_NOT_SPLICED);
        }
    }

    /**
     * Classic bug (b) of spec 3.3, made explicit: the object is published before it is initialised,
     * which is what the compiler or a weakly ordered CPU may do to a plain-store publication.
     */
    public static class PublishBeforeInit extends PublishFoo {
        @Override
        protected void initAndPublish(RcuObject foo) {
            gblFoo.assign(foo);
            foo.setA(A);
        }
    }
}
