package dev.mybrd.lincheck.workqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.workqueue.WorkStruct;
import dev.mybrd.workqueue.Workqueue;
import dev.mybrd.workqueue.Workqueues;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * The PENDING / queue / run protocol of P24, with the workers driven by Lincheck's threads instead
 * of kworkers, so the model checker chooses every interleaving of producers and workers.
 *
 * <p>The pattern is the one blk-mq uses with kblockd: a producer posts an event (sets a bit in a
 * shared word) and calls {@code queue_work}; the work function takes every posted event at once. A
 * {@code post} runs on the CPU of its thread, so it queues on that CPU's pool unless the work still
 * executes elsewhere; a {@code work} op is one pass of a worker of one CPU's pool (a manual worker
 * per thread), and the function records whether it ever ran beside itself.
 *
 * <p>Why invariants and not a sequential specification: queue and run are not linearizable as
 * single steps. {@code queue_work} claims PENDING first and links the item onto the worklist a moment
 * later; a worker passing in between finds nothing to run although PENDING is set, and a later
 * {@code queue_work} still returns false. No sequential order explains that, yet it is correct: the
 * pending item runs later. So the operations return nothing, and {@link #invariants}, run by Lincheck
 * at the end of every scenario, checks what P24 promises at quiescence:
 * <ul>
 * <li>Q1: PENDING is set exactly when the item is on a list;</li>
 * <li>Q2: every true return queued exactly one execution (executions + queued = true returns);</li>
 * <li>Q3: every posted event was consumed by an execution, or an execution is still queued;</li>
 * <li>Q4: the function never ran concurrently with itself.</li>
 * </ul>
 * A violation throws, and Lincheck prints the interleaving that led to it.
 */
@Param(name = "cpu", gen = ThreadIdGen.class)
@Param(name = "pool", gen = IntGen.class, conf = "0:1")
public class WorkQueueProtocol {
    static final int NR_CPUS = 2;

    private static final VarHandle EVENTS;
    private static final VarHandle POSTED;
    private static final VarHandle PROCESSED;
    private static final VarHandle RUNNING;
    private static final VarHandle OVERLAP;
    private static final VarHandle EXECUTIONS;
    private static final VarHandle TRUE_RETURNS;
    private static final VarHandle NEXT_EVENT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            EVENTS = l.findVarHandle(WorkQueueProtocol.class, "events", int.class);
            POSTED = l.findVarHandle(WorkQueueProtocol.class, "posted", int.class);
            PROCESSED = l.findVarHandle(WorkQueueProtocol.class, "processed", int.class);
            RUNNING = l.findVarHandle(WorkQueueProtocol.class, "running", int.class);
            OVERLAP = l.findVarHandle(WorkQueueProtocol.class, "overlap", boolean.class);
            EXECUTIONS = l.findVarHandle(WorkQueueProtocol.class, "executions", int.class);
            TRUE_RETURNS = l.findVarHandle(WorkQueueProtocol.class, "trueReturns", int.class);
            NEXT_EVENT = l.findVarHandle(WorkQueueProtocol.class, "nextEvent", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected final Kernel kernel = new Kernel(NR_CPUS);
    protected final Workqueues wqs = Workqueues.start(kernel, config());
    private final Workqueue wq = wqs.systemWq();
    private final WorkStruct work = new WorkStruct("consume_events", this::consumeEvents);
    @SuppressWarnings("unused") private int events;
    @SuppressWarnings("unused") private int posted;
    @SuppressWarnings("unused") private int processed;
    @SuppressWarnings("unused") private int running;
    @SuppressWarnings("unused") private boolean overlap;
    @SuppressWarnings("unused") private int executions;
    @SuppressWarnings("unused") private int trueReturns;
    @SuppressWarnings("unused") private int nextEvent;

    /** The machine under check; seeded variants switch a bug on. No kworkers: the threads are the workers. */
    protected Workqueues.Config config() {
        return Workqueues.Config.manual(NR_CPUS);
    }

    /** Posts a fresh event and calls {@code queue_work} on the current CPU. */
    @Operation
    public void post(@Param(name = "cpu") int cpu) {
        kernel.runOn(cpu % NR_CPUS, "producer", () -> {
            int bit = 1 << (int) NEXT_EVENT.getAndAdd(this, 1);
            // Each event is a fresh bit, so adding it is setting it (getAndAdd is a step Lincheck sees).
            POSTED.getAndAdd(this, bit);
            EVENTS.getAndAdd(this, bit);
            if (wq.queueWork(work)) {
                TRUE_RETURNS.getAndAdd(this, 1);
            }
        });
    }

    /** One pass of this thread's worker of CPU {@code pool}'s normal pool. */
    @Operation
    public void work(@Param(name = "cpu") int cpu, @Param(name = "pool") int pool) {
        kernel.runOn(cpu % NR_CPUS, "kworker",
                () -> wqs.pool(pool % NR_CPUS, false).manualWorker(cpu % NR_CPUS).processWorklist());
    }

    /** The work function: takes every posted event; notes an execution beside another. */
    private void consumeEvents(WorkStruct w) {
        if ((int) RUNNING.getAndAdd(this, 1) != 0) {
            OVERLAP.setVolatile(this, true);
        }
        int got = (int) EVENTS.getAndSet(this, 0);
        PROCESSED.getAndAdd(this, got); // events are taken once, so these bits are new
        EXECUTIONS.getAndAdd(this, 1);
        RUNNING.getAndAdd(this, -1);
    }

    /** Q1-Q4 at quiescence; see the class comment. */
    @Validate
    public void invariants() {
        List<String> broken = new ArrayList<>();
        boolean queued = work.isQueued();
        boolean pending = work.workPending();
        int postedNow = (int) POSTED.getVolatile(this);
        int processedNow = (int) PROCESSED.getVolatile(this);
        int executionsNow = (int) EXECUTIONS.getVolatile(this);
        int trueNow = (int) TRUE_RETURNS.getVolatile(this);
        if ((boolean) OVERLAP.getVolatile(this)) {
            broken.add("Q4: the work ran concurrently with itself");
        }
        int lost = postedNow & ~processedNow;
        if (lost != 0 && !queued) {
            broken.add("Q3: event(s) 0x" + Integer.toHexString(lost) + " were posted and queue_work called, but no"
                    + " execution saw them and none is queued");
        }
        if (executionsNow + (queued ? 1 : 0) != trueNow) {
            broken.add("Q2: queue_work returned true " + trueNow + " time(s) for " + executionsNow
                    + " execution(s)" + (queued ? " and one queued" : ""));
        }
        if (pending != queued) {
            broken.add("Q1: PENDING is " + (pending ? "set" : "clear") + " but the work is "
                    + (queued ? "queued" : "on no list"));
        }
        if (!broken.isEmpty()) {
            throw new IllegalStateException(String.join("; ", broken));
        }
    }
}
