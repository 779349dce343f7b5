package dev.mybrd.race;

import dev.mybrd.blkmq.BlkMqTags.MigrationWake;
import dev.mybrd.check.Expect;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.lincheck.migration.MigratedWaiters;
import java.util.List;

/**
 * Races of a task that migrates while it sleeps for a tag, on v4.4's {@code bt_get} and its hardware
 * queues ({@code dev.mybrd.blkmq}): the code before the fix and after it, as
 * {@link MigrationWake} variants.
 */
final class MigrationRaces {
    private static final String PROPERTY = "P16 a task sleeping in bt_get is woken while its map has free tags";

    private MigrationRaces() {
    }

    static List<Race> all() {
        return List.of(kr03());
    }

    static Race kr03() {
        return new Race("KR-03", "e6fc46498784",
                "blk-mq: avoid starving tag allocation after allocating process migrates", "blk-mq tags",
                Symptom.HANG,
                "two frees on hctx0 wake two of its three sleepers; both wake up on CPUs of hctx1 and take"
                        + " its tags; the wake-ups they spent on hctx0 are gone and the third sleeps for ever"
                        + " beside two free tags",
                List.of(Probe.owned("KR-03", new ScenarioCheck(Races.CHAPTER, "kr03-v44-migrated-waiters", PROPERTY,
                        Expect.CATCHES_BUG, () -> MigratedWaiters.run(MigrationWake.V4_4)))),
                List.of(Probe.owned("KR-03", new ScenarioCheck(Races.CHAPTER, "kr03-wake-previous", PROPERTY,
                        Expect.HOLDS, () -> MigratedWaiters.run(MigrationWake.WAKE_PREVIOUS)))));
    }
}
