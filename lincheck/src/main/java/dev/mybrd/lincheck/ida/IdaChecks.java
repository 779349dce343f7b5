package dev.mybrd.lincheck.ida;

import static dev.mybrd.check.Scenarios.call;

import dev.mybrd.block.BlkQueueIds;
import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.Expect;
import dev.mybrd.check.LincheckCheck;
import dev.mybrd.check.ScenarioCheck;
import dev.mybrd.check.Scenarios;
import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;

/** The checks of the ida chapter, with their budgets. */
public final class IdaChecks {
    private static final String IDA = Catalog.IDA;
    private static final String LIN = "P23 IDA linearizable vs sorted set";
    private static final String RETRY = "P23/D5 -EAGAIN retry loop terminates";
    private static final String ATOMIC = "P25 no sleep under simple_ida_lock";
    private static final String LEAK = "P23/D3 queue ids = live queues";

    private IdaChecks() {
    }

    public static List<Check> all() {
        return List.of(
                new LincheckCheck(IDA, "get-remove-mc", LIN, Expect.HOLDS, IdaGetRemove.class,
                        () -> new ModelCheckingOptions().iterations(2).invocationsPerIteration(60)
                                .threads(2).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                                .sequentialSpecification(IdaSpec.class)),
                new LincheckCheck(IDA, "get-remove-stress", LIN, Expect.HOLDS, IdaGetRemove.class,
                        () -> new StressOptions().iterations(10).invocationsPerIteration(200)
                                .threads(3).actorsPerThread(2).actorsBefore(1).actorsAfter(2)
                                .sequentialSpecification(IdaSpec.class)),
                new LincheckCheck(IDA, "small-tree-mc", LIN, Expect.HOLDS, SmallTreeIda.class,
                        IdaChecks::smallTreeModel),
                new LincheckCheck(IDA, "two-getters-mc", LIN, Expect.HOLDS, TwoGetters.class,
                        () -> racing(twoGetters(TwoGetters.class), IdaSpec.Holding1.class)),
                new LincheckCheck(IDA, "seeded-get-without-lock", LIN, Expect.CATCHES_BUG,
                        SeededIdas.GetWithoutLock.class,
                        () -> racing(twoGetters(SeededIdas.GetWithoutLock.class), IdaSpec.Holding1.class)),
                new LincheckCheck(IDA, "get-vs-remove-mc", LIN, Expect.HOLDS, GetVsRemove.class,
                        () -> racing(getVsRemove(GetVsRemove.class), IdaSpec.Holding2.class)),
                new LincheckCheck(IDA, "seeded-remove-without-lock", LIN, Expect.CATCHES_BUG,
                        SeededIdas.RemoveWithoutLock.class,
                        () -> racing(getVsRemove(SeededIdas.RemoveWithoutLock.class), IdaSpec.Holding2.class)),
                new ScenarioCheck(IDA, "retry-terminates", RETRY, Expect.HOLDS, () -> retryLoop(Ida.Config.defaults())),
                new ScenarioCheck(IDA, "seeded-no-pre-get", RETRY, Expect.CATCHES_BUG,
                        () -> retryLoop(Ida.Config.defaults().withBug(IdaBug.NO_PRE_GET))),
                new ScenarioCheck(IDA, "pre-get-outside-lock", ATOMIC, Expect.HOLDS,
                        () -> getWithGfpKernel(Ida.Config.defaults())),
                new ScenarioCheck(IDA, "seeded-pre-get-under-lock", ATOMIC, Expect.CATCHES_BUG,
                        () -> getWithGfpKernel(Ida.Config.defaults().withBug(IdaBug.PRE_GET_UNDER_LOCK))),
                new ScenarioCheck(IDA, "queue-ids-follow-queues", LEAK, Expect.HOLDS,
                        () -> queueIds(Ida.Config.defaults())),
                new ScenarioCheck(IDA, "seeded-queue-id-leak", LEAK, Expect.CATCHES_BUG,
                        () -> queueIds(Ida.Config.defaults().withBug(IdaBug.QUEUE_ID_LEAK_ON_ERROR))));
    }

    /** Two gets of the lowest free id while id 0 is held. */
    private static Scenarios twoGetters(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("get", 0, 0, 0))
                .thread(call("get", 1, 0, 0));
    }

    /** The remove of id 0 races a get while ids 0 and 1 are held; two gets read the outcome back. */
    private static Scenarios getVsRemove(Class<?> testClass) {
        return Scenarios.of(testClass)
                .thread(call("remove", 0, 0))
                .thread(call("get", 1, 0, 0))
                .post(call("get", 3, 0, 0), call("get", 3, 0, 0));
    }

    /**
     * Model checking of the reduced tree: a get that fills leaf 0 (its full mark set) races the
     * remove that empties it again (mark cleared, bitmap freed as the spare), then random scenarios.
     */
    private static Options<?, ?> smallTreeModel() {
        return new ModelCheckingOptions().iterations(2).invocationsPerIteration(50)
                .threads(2).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .sequentialSpecification(IdaSpec.class)
                .addCustomScenario(Scenarios.of(SmallTreeIda.class)
                        .initial(call("get", 3, 0, 0))
                        .thread(call("get", 0, 0, 0), call("get", 0, 8, 0))
                        .thread(call("remove", 1, 0))
                        .post(call("get", 3, 0, 0))
                        .build());
    }

    /**
     * Model checking of one hand-written race only. The seeded bugs are caught within 25
     * interleavings (measured); the correct model is given five times that.
     */
    private static Options<?, ?> racing(Scenarios scenario, Class<?> spec) {
        return new ModelCheckingOptions().iterations(0).invocationsPerIteration(125)
                .sequentialSpecification(spec)
                .addCustomScenario(scenario.build());
    }

    // ---- deterministic scenarios ------------------------------------------------------------------

    /**
     * D5: without preallocated memory {@code ida_get_new_above} answers {@code -EAGAIN}; the simple
     * API's loop calls {@code ida_pre_get} and retries, so on a fresh IDA it returns id 0. A loop
     * that never preallocates spins until the model's bound reports it.
     */
    private static String retryLoop(Ida.Config config) {
        Kernel kernel = new Kernel(1);
        Ida ida = new Ida(kernel, "retry_ida", config);
        return kernel.runOn(0, "retry", () -> {
            int raw = ida.getNewAbove(0);
            if (raw != Errno.EAGAIN.negative()) {
                return "ida_get_new_above without ida_pre_get answered " + raw + ", expected -EAGAIN";
            }
            int id = ida.simpleGet(0, 0, Gfp.NOIO);
            return id == 0 ? null : "ida_simple_get on a fresh IDA answered " + id + ", expected 0";
        });
    }

    /** P25: {@code ida_simple_get(GFP_KERNEL)} from process context never sleeps in atomic context. */
    private static String getWithGfpKernel(Ida.Config config) {
        Kernel kernel = new Kernel(1);
        Ida ida = new Ida(kernel, "gfp_ida", config);
        return kernel.runOn(0, "modprobe", () -> {
            for (int i = 0; i < 3; i++) {
                int id = ida.simpleGet(0, 0, Gfp.NOIO);
                if (id != i) {
                    return "ida_simple_get answered " + id + ", expected " + i;
                }
            }
            return null;
        });
    }

    /**
     * D3 on {@code blk_queue_ida}: two queues are created, three creations fail after taking their
     * id, one queue is released; the ids held must be exactly the live queue's.
     */
    private static String queueIds(Ida.Config config) {
        Kernel kernel = new Kernel(1);
        BlkQueueIds ids = new BlkQueueIds(kernel, config);
        Callable<String> run = () -> {
            int a = ids.allocQueueId(Gfp.NOIO, () -> 0);
            int b = ids.allocQueueId(Gfp.NOIO, () -> 0);
            for (int i = 0; i < 3; i++) {
                ids.allocQueueId(Gfp.NOIO, () -> Errno.ENOMEM.negative());
            }
            ids.releaseQueueId(a);
            Set<Integer> held = ids.ida().allocatedIds();
            return held.equals(Set.of(b)) ? null
                    : "ids held " + held + " but the only live queue has id " + b + " (queue " + a + " released,"
                    + " three creations failed)";
        };
        return kernel.runOn(0, "modprobe", run);
    }
}
