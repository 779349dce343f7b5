package dev.mybrd.lincheck.workqueue;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.workqueue.WqBug;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;

/** The Lincheck checks of the work-queue chapter, with their budgets. */
public final class WorkQueueChecks {
    private static final String WQ = Catalog.WORK_QUEUE;
    static final String Q2 = "P24 Q2 queue_work true iff it set PENDING";
    static final String PROTOCOL = "P24 Q1-Q4 PENDING protocol at quiescence";
    static final String Q3 = "P24 Q3 a queue during execution runs it again";
    static final String Q6 = "P24 Q6 flush_work waits for earlier queueing";

    private WorkQueueChecks() {
    }

    public static List<Check> all() {
        return List.of(
                new LincheckCheck(WQ, "coalescing-mc", Q2, Expect.HOLDS, QueueCoalescing.class,
                        () -> coalescing(QueueCoalescing.class)),
                new LincheckCheck(WQ, "seeded-nonatomic-test-and-set", Q2, Expect.CATCHES_BUG,
                        SeededWorkQueues.NonAtomicTestAndSet.class,
                        () -> racing(CoalescingSpec.class, twoQueuers(SeededWorkQueues.NonAtomicTestAndSet.class))),
                new LincheckCheck(WQ, "protocol-mc", PROTOCOL, Expect.HOLDS, WorkQueueProtocol.class,
                        () -> protocol(WorkQueueProtocol.class)),
                new LincheckCheck(WQ, "seeded-clear-pending-after-func", PROTOCOL, Expect.CATCHES_BUG,
                        SeededWorkQueues.ClearPendingAfterFunc.class,
                        () -> racing(ProtocolSpec.class, queueDuringRun(SeededWorkQueues.ClearPendingAfterFunc.class))),
                new LincheckCheck(WQ, "seeded-reentrant-queue", PROTOCOL, Expect.CATCHES_BUG,
                        SeededWorkQueues.ReentrantQueue.class,
                        () -> racing(ProtocolSpec.class, queueFromOtherCpu(SeededWorkQueues.ReentrantQueue.class))),
                new ScenarioCheck(WQ, "kworker-requeue-during-execution", Q3, Expect.HOLDS,
                        () -> KworkerScenarios.requeueDuringExecution(null)),
                new ScenarioCheck(WQ, "seeded-kworker-clear-pending-after-func", Q3, Expect.CATCHES_BUG,
                        () -> KworkerScenarios.requeueDuringExecution(WqBug.CLEAR_PENDING_AFTER_FUNC)),
                new ScenarioCheck(WQ, "kworker-flush-waits", Q6, Expect.HOLDS,
                        () -> KworkerScenarios.flushWaitsForEarlierExecutions(null)),
                new ScenarioCheck(WQ, "seeded-kworker-reentrant-flush", Q6, Expect.CATCHES_BUG,
                        () -> KworkerScenarios.flushWaitsForEarlierExecutions(WqBug.REENTRANT_QUEUE)));
    }

    /** Two CPUs queue the idle work at once. */
    static Scenarios twoQueuers(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("queue", 0))
                .thread(call("queue", 1))
                .post(call("pending"));
    }

    /** The work is queued on CPU0; CPU0's worker runs it while CPU1 posts and queues again. */
    static Scenarios queueDuringRun(Class<?> testClass) {
        return Scenarios.of(testClass)
                .initial(call("post", 0))
                .thread(call("work", 0, 0))
                .thread(call("post", 1));
    }

    /** As {@link #queueDuringRun}, and CPU1's worker then runs its own pool. */
    static Scenarios queueFromOtherCpu(Class<?> testClass) {
        return Scenarios.of(testClass)
                .initial(call("post", 0))
                .thread(call("work", 0, 0))
                .thread(call("post", 1), call("work", 1, 1));
    }

    /** Concurrent queue_work and work_pending: the hand-written race, then random scenarios. */
    private static Options<?, ?> coalescing(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(1).invocationsPerIteration(60)
                .threads(2).actorsPerThread(2).actorsBefore(0).actorsAfter(1)
                .sequentialSpecification(CoalescingSpec.class)
                .addCustomScenario(twoQueuers(testClass).build());
    }

    /**
     * Producers and workers: the two races the seeded bugs break, on the correct model, then random
     * scenarios of posts and worker passes.
     */
    private static Options<?, ?> protocol(Class<?> testClass) {
        return new ModelCheckingOptions().iterations(2).invocationsPerIteration(60)
                .threads(2).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .sequentialSpecification(ProtocolSpec.class)
                .addCustomScenario(queueDuringRun(testClass).build())
                .addCustomScenario(queueFromOtherCpu(testClass).build());
    }

    /** Model checking of one hand-written race only. */
    private static Options<?, ?> racing(Class<?> spec, Scenarios scenario) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(300)
                .sequentialSpecification(spec)
                .addCustomScenario(scenario.build());
    }
}
