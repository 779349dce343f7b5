package dev.mybrd.lincheck.mq;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.driver.Bug;
import java.util.List;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/**
 * The checks of blk-mq's per-task plug and of mq disk accounting (multiqueue-mode chapter): per-sector
 * linearizability with a plugged job (model checking of one hand-written race), exactly-once
 * completion of a plugged job raced by another CPU with 1 and 2 hardware queues, the plug emptied
 * before the task sleeps and by {@code blk_finish_plug} (and never above 16), and the disk statistics
 * balanced under every injection; each paired with a seeded bug it must catch.
 */
public final class MqPlugChecks {
    private static final String MQ = Catalog.MQ;
    private static final int INVOCATIONS = 1;
    private static final List<String> INJECTIONS = List.of("", "busy=2", "fail=3", "requeue=2", "timeout=3");

    private MqPlugChecks() {
    }

    public static List<Check> all() {
        String lin = "P3/P1 per-sector linearizability with a plug";
        String once = "P1/P29 plugged bios each end once";
        String empty = "P29 plug empty before sleep and after finish";
        String acct = "P19 mq in_flight back to 0, ios/sectors balanced";
        return List.of(
                new LincheckCheck(MQ, "per-sector-plug-2hw-mc", lin, Expect.HOLDS, PerSectorPlugMqDisk.class,
                        () -> perSector(PerSectorPlugMqDisk.class)),
                new LincheckCheck(MQ, "seeded-flush-loses-last-batch-mc", lin, Expect.CATCHES_BUG,
                        PerSectorPlugMqDisk.SeededFlushLosesLastBatch.class,
                        () -> perSector(PerSectorPlugMqDisk.SeededFlushLosesLastBatch.class)),
                new ScenarioCheck(MQ, "plug-exactly-once-1hw", once, Expect.HOLDS,
                        () -> MqPlugScenarios.plugExactlyOnce(1, "", Set.of())),
                new ScenarioCheck(MQ, "plug-exactly-once-2hw", once, Expect.HOLDS,
                        () -> MqPlugScenarios.plugExactlyOnce(2, "", Set.of())),
                new ScenarioCheck(MQ, "plug-exactly-once-2hw-busy", once, Expect.HOLDS,
                        () -> MqPlugScenarios.plugExactlyOnce(2, "busy=2", Set.of())),
                new ScenarioCheck(MQ, "seeded-plug-stale-same-queue-rq", once, Expect.CATCHES_BUG,
                        () -> MqPlugScenarios.plugExactlyOnce(2, "", Set.of(Bug.PLUG_STALE_SAME_QUEUE_RQ))),
                new ScenarioCheck(MQ, "seeded-direct-issue-busy-dropped", once, Expect.CATCHES_BUG,
                        () -> MqPlugScenarios.plugExactlyOnce(2, "busy=2", Set.of(Bug.DIRECT_ISSUE_BUSY_DROPPED))),
                new ScenarioCheck(MQ, "plug-flushed-before-sleep-and-finish", empty, Expect.HOLDS,
                        () -> MqPlugScenarios.plugFlushedBeforeSleepAndFinish(Set.of())),
                new ScenarioCheck(MQ, "seeded-sched-flush-ignores-mq-list", empty, Expect.CATCHES_BUG,
                        () -> MqPlugScenarios.plugFlushedBeforeSleepAndFinish(Set.of(Bug.SCHED_FLUSH_IGNORES_MQ_LIST))),
                new ScenarioCheck(MQ, "accounting-1hw", acct, Expect.HOLDS,
                        () -> MqPlugScenarios.accounting(1, INJECTIONS, Set.of())),
                new ScenarioCheck(MQ, "accounting-2hw", acct, Expect.HOLDS,
                        () -> MqPlugScenarios.accounting(2, INJECTIONS, Set.of())),
                new ScenarioCheck(MQ, "seeded-account-done-skipped-on-error", acct, Expect.CATCHES_BUG,
                        () -> MqPlugScenarios.accounting(1, List.of("fail=3"), Set.of(Bug.ACCOUNT_DONE_SKIPPED_ON_ERROR))));
    }

    /**
     * Model checking, one invocation of the custom race (a plugged job costs about twice a plain
     * write under the model checker): CPU0's plugged job writes sector 0 (and its scratch sector) while CPU1 writes
     * sector 1, both on hctx0 (CPUs 0 and 1 share it); then both are read back.
     */
    private static Options<?, ?> perSector(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(INVOCATIONS)
                .minimizeFailedScenario(false) // the hand-written race is already minimal
                .threads(2).actorsPerThread(1).actorsBefore(0).actorsAfter(2)
                .sequentialSpecification(PerSectorPlugMqDisk.Spec.class)
                .addCustomScenario(Scenarios.of(testClass)
                        .thread(call("plugWrite", 0, 0, 1))
                        .thread(call("write", 1, 1, 2))
                        .post(call("read", 3, 0), call("read", 3, 1))
                        .build());
    }
}
