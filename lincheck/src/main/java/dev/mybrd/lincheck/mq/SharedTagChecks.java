package dev.mybrd.lincheck.mq;

import dev.mybrd.blkmq.BlkMqTagSet;
import dev.mybrd.blkmq.MqBug;
import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.driver.Bug;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The mq chapter's checks of tag sets shared by several request queues (v4.4
 * {@code BLK_MQ_F_TAG_SHARED}): the fair share of {@code hctx_may_queue} and the wake-up of
 * {@code blk_mq_tag_idle}, exactly-once completion and data with two mybrd disks on one set, and
 * {@code active_queues} across a removal, each with its seeded bug or documented v4.4 behaviour.
 */
public final class SharedTagChecks {
    private static final String MQ = Catalog.MQ;

    private SharedTagChecks() {
    }

    public static List<Check> all() {
        String fair = "T6/P16 fair share of a shared set, no sleeper stranded";
        String once = "P1/P17/P3 two disks on one tag set: each bio once, data right";
        String active = "T6 active_queues counts the active sharers";
        List<Check> checks = new ArrayList<>(List.of(
                new ScenarioCheck(MQ, "shared-fair-share", fair, Expect.HOLDS,
                        () -> SharedTagScenarios.fairShare(Set.of())),
                new ScenarioCheck(MQ, "seeded-tag-idle-no-wake", fair, Expect.CATCHES_BUG,
                        () -> SharedTagScenarios.fairShare(Set.of(MqBug.TAG_IDLE_NO_WAKE))),
                new ScenarioCheck(MQ, "shared-exactly-once-1hw", once, Expect.HOLDS,
                        () -> SharedTagScenarios.twoDisksExactlyOnce(1, "busy=3", Set.of())),
                new ScenarioCheck(MQ, "shared-exactly-once-2hw", once, Expect.HOLDS,
                        () -> SharedTagScenarios.twoDisksExactlyOnce(2, "busy=3", Set.of())),
                new ScenarioCheck(MQ, "seeded-shared-busy-leftovers-dropped", once, Expect.CATCHES_BUG,
                        () -> SharedTagScenarios.twoDisksExactlyOnce(1, "busy=2", Set.of(Bug.BUSY_LEFTOVERS_DROPPED))),
                new ScenarioCheck(MQ, "shared-unshare-idles-454bb677", active, Expect.HOLDS,
                        () -> SharedTagScenarios.activeQueuesAfterRemoval(BlkMqTagSet.Unshare.IDLE_BEFORE_CLEAR)),
                new ScenarioCheck(MQ, "shared-unshare-leaks-active-v4.4", active, Expect.SHOWS_BEHAVIOUR,
                        () -> SharedTagScenarios.activeQueuesAfterRemoval(BlkMqTagSet.Unshare.V4_4))));
        return checks;
    }
}
