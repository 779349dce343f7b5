package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.Completion;
import dev.mybrd.sched.WaitBug;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * Completions: every {@code complete()} lets one waiter through, now or later, and
 * {@code complete_all()} lets everyone through. Waiters call {@code wait_for_completion} and really
 * sleep (as in {@link FlagWakeUp}); the scenarios pair each waiter with a {@code complete()}, or give
 * all of them one {@code complete_all()}, so on a correct completion every operation returns. A lost
 * completion leaves a waiter parked for ever, which Lincheck reports as a hang, with the interleaving.
 * Every result is a constant ({@link CompletionWaitersSpec}).
 */
public class CompletionWaiters {
    protected final Kernel kernel = new Kernel(4);
    protected final Completion done = new Completion(kernel, "done", bugs());

    /** The seeded bugs; none in the model under check. */
    protected Set<WaitBug> bugs() {
        return Set.of();
    }

    /** {@code wait_for_completion(&done)} as a task on CPU {@code cpu}; 1 once it returned. */
    @Operation
    public int waitForCompletion(int cpu) {
        return kernel.runOn(cpu, "waiter" + cpu, () -> {
            done.waitForCompletion();
            return 1;
        });
    }

    /** {@code complete(&done)} on CPU {@code cpu}. */
    @Operation
    public int complete(int cpu) {
        return kernel.runOn(cpu, "completer" + cpu, () -> {
            done.complete();
            return 0;
        });
    }

    /** {@code complete_all(&done)} on CPU {@code cpu}. */
    @Operation
    public int completeAll(int cpu) {
        return kernel.runOn(cpu, "completer" + cpu, () -> {
            done.completeAll();
            return 0;
        });
    }

    /** {@link WaitBug#COMPLETION_TEST_WITHOUT_LOCK}: the waiter decides to sleep before it takes the lock. */
    public static class TestWithoutLock extends CompletionWaiters {
        @Override
        protected Set<WaitBug> bugs() {
            return Set.of(WaitBug.COMPLETION_TEST_WITHOUT_LOCK);
        }
    }
}
