package dev.mybrd.lincheck.mqtags;

import dev.mybrd.blkmq.TagBug;
import java.util.Set;

/** The tag checks' test classes with one seeded bug switched on; each must make its check fail. */
public final class SeededTags {
    private SeededTags() {
    }

    /** {@link TagBug#NONATOMIC_TEST_AND_SET}: {@code test_bit} then {@code __set_bit}. */
    public static class NonAtomicTestAndSet extends TagSet {
        @Override
        protected Set<TagBug> bugs() {
            return Set.of(TagBug.NONATOMIC_TEST_AND_SET);
        }
    }

    /** {@link TagBug#RETRY_BEFORE_PREPARE}: the last retry comes before {@code prepare_to_wait}. */
    public static class RetryBeforePrepare extends SleepingTags {
        @Override
        protected Set<TagBug> bugs() {
            return Set.of(TagBug.RETRY_BEFORE_PREPARE);
        }
    }

    /** {@link TagBug#UPDATE_DEPTH_NO_WAKE}: a depth change wakes nobody. */
    public static class UpdateDepthNoWake extends SleepingTags {
        @Override
        protected Set<TagBug> bugs() {
            return Set.of(TagBug.UPDATE_DEPTH_NO_WAKE);
        }
    }
}
