package dev.mybrd.lincheck.mq;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.blkmq.MqBug;
import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.driver.Bug;
import dev.mybrd.lincheck.ramdisk.RamDiskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The checks of the multiqueue-mode chapter: per-sector linearizability through blk-mq with 1 and 2
 * hardware queues (model checking of a hand-written race, tiny budgets), exactly-once completion under
 * every injection with 1 and 2 hardware queues, the mapping invariants, and each seeded bug caught.
 */
public final class MqChecks {
    private static final String MQ = Catalog.MQ;
    private static final int INVOCATIONS = 5;

    private MqChecks() {
    }

    public static List<Check> all() {
        String lin = "P3/P1 per-sector linearizability, each bio ends once";
        String once = "P1/P17 each request ended once, none lost";
        List<Check> checks = new ArrayList<>(List.of(
                new LincheckCheck(MQ, "per-sector-mc", lin, Expect.HOLDS, PerSectorMqDisk.class,
                        () -> perSector(PerSectorMqDisk.class)),
                new LincheckCheck(MQ, "per-sector-2hw-softirq-mc", lin, Expect.HOLDS, MqDisks.TwoQueuesSoftirq.class,
                        () -> perSector(MqDisks.TwoQueuesSoftirq.class)),
                new LincheckCheck(MQ, "seeded-complete-without-transfer-mc", lin, Expect.CATCHES_BUG,
                        MqDisks.SeededCompleteWithoutTransfer.class,
                        () -> perSector(MqDisks.SeededCompleteWithoutTransfer.class)),
                new LincheckCheck(MQ, "seeded-2hw-softirq-complete-without-transfer-mc", lin, Expect.CATCHES_BUG,
                        MqDisks.SeededTwoQueuesSoftirqCompleteWithoutTransfer.class,
                        () -> perSector(MqDisks.SeededTwoQueuesSoftirqCompleteWithoutTransfer.class)),
                new LincheckCheck(MQ, "per-sector-busy-mc", lin, Expect.HOLDS, MqDisks.Busy.class,
                        () -> perSector(MqDisks.Busy.class)),
                new LincheckCheck(MQ, "seeded-busy-leftovers-dropped-mc", lin, Expect.CATCHES_BUG,
                        MqDisks.SeededBusyLeftoversDropped.class,
                        () -> perSector(MqDisks.SeededBusyLeftoversDropped.class)),
                new ScenarioCheck(MQ, "mapping", "M1/M2 ctx in one hctx, dispatched through map_queue", Expect.HOLDS,
                        () -> MqScenarios.mapping(Set.of())),
                new ScenarioCheck(MQ, "seeded-bt-get-keeps-hctx-after-sleep",
                        "M1/M2 ctx in one hctx, dispatched through map_queue", Expect.CATCHES_BUG,
                        () -> MqScenarios.mapping(Set.of(MqBug.BT_GET_KEEPS_HCTX_AFTER_SLEEP))),
                new ScenarioCheck(MQ, "pending-bit-race", "M3 nothing stranded in a ctx", Expect.HOLDS,
                        () -> MqScenarios.pendingBitRace(Set.of())),
                new ScenarioCheck(MQ, "seeded-pending-cleared-after-splice", "M3 nothing stranded in a ctx",
                        Expect.CATCHES_BUG,
                        () -> MqScenarios.pendingBitRace(Set.of(MqBug.CTX_PENDING_CLEARED_AFTER_SPLICE))),
                new ScenarioCheck(MQ, "seeded-busy-leftovers-dropped", once, Expect.CATCHES_BUG,
                        () -> MqScenarios.exactlyOnce(1, "busy=2", Set.of(Bug.BUSY_LEFTOVERS_DROPPED))),
                new ScenarioCheck(MQ, "timeout-race", once, Expect.HOLDS, () -> MqScenarios.timeoutRace(Set.of())),
                new ScenarioCheck(MQ, "seeded-completion-and-timeout", once, Expect.CATCHES_BUG,
                        () -> MqScenarios.timeoutRace(Set.of(Bug.COMPLETION_AND_TIMEOUT_BOTH_END))),
                new ScenarioCheck(MQ, "error-reported", "P27 success means the data moved", Expect.HOLDS,
                        () -> MqScenarios.errorReported(Set.of())),
                new ScenarioCheck(MQ, "seeded-queue-rq-swallows-error", "P27 success means the data moved",
                        Expect.CATCHES_BUG, () -> MqScenarios.errorReported(Set.of(Bug.QUEUE_RQ_SWALLOWS_ERROR))),
                new ScenarioCheck(MQ, "no-sleep-in-queue-rq", "P25 no sleeping in atomic context", Expect.HOLDS,
                        () -> MqScenarios.noSleepInAtomic(Set.of())),
                new ScenarioCheck(MQ, "seeded-transfer-in-queue-rq", "P25 no sleeping in atomic context",
                        Expect.CATCHES_BUG, () -> MqScenarios.noSleepInAtomic(Set.of(Bug.MQ_TRANSFER_IN_QUEUE_RQ)))));
        for (int queues = 1; queues <= 2; queues++) {
            for (String inj : List.of("busy=2", "fail=3", "requeue=2", "timeout=3")) {
                int q = queues;
                checks.add(new ScenarioCheck(MQ, "exactly-once-" + q + "hw-" + inj.replace('=', '-'), once,
                        Expect.HOLDS, () -> MqScenarios.exactlyOnce(q, inj, Set.of())));
            }
        }
        return checks;
    }

    /**
     * Model checking: two CPUs write adjacent sectors (with 2 hw queues, CPUs 0 and 1 share hctx0 and
     * may run it concurrently; in softirq mode completions come back by IPI), then read back.
     */
    private static Options<?, ?> perSector(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(INVOCATIONS)
                .threads(2).actorsPerThread(1).actorsBefore(0).actorsAfter(2)
                .sequentialSpecification(RamDiskSpec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("write", 0, 0, 1))
                        .thread(call("write", 1, 1, 2))
                        .post(call("read", 3, 0), call("read", 3, 1))
                        .build());
    }
}
