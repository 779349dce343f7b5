package dev.mybrd.lincheck.waitqueue;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.sched.EventFlag;
import dev.mybrd.sched.WaitBug;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * P11, no lost wake-up: waiters sleep on an {@link EventFlag} ({@code wait_event}: register, test,
 * sleep) while a waker sets it ({@code WRITE_ONCE; smp_mb(); if (waitqueue_active) wake_up}). Each
 * operation is a task on its own CPU that really sleeps: {@code schedule()} parks the thread until
 * {@code try_to_wake_up} sets it running.
 *
 * <p>Why model checking sees a lost wake-up here although Lincheck may wake a parked thread at any
 * time: the model's {@code schedule()} goes back to sleep after such a wake until its task state says
 * it was woken, so only a real {@code try_to_wake_up} ends the sleep. A lost wake-up leaves the
 * waiter parked for ever, and Lincheck reports the execution as hung, with the interleaving. Every
 * result is a constant ({@link FlagWakeUpSpec}): the property is that every operation returns.
 */
public class FlagWakeUp {
    protected final Kernel kernel = new Kernel(4);
    protected final EventFlag flag = new EventFlag(kernel, "flag_wq", bugs());

    /** The seeded bugs; none in the model under check. */
    protected Set<WaitBug> bugs() {
        return Set.of();
    }

    /** A waiter on CPU {@code cpu}: returns 1 once it has seen the flag set. */
    @Operation
    public int waitForFlag(int cpu) {
        return kernel.runOn(cpu, "waiter" + cpu, () -> {
            flag.waitForFlag();
            return flag.isSet() ? 1 : -1;
        });
    }

    /** The waker on CPU {@code cpu}; 0 whether or not it found a waiter. */
    @Operation
    public int setFlagAndWake(int cpu) {
        return kernel.runOn(cpu, "waker" + cpu, () -> {
            flag.setFlagAndWake();
            return 0;
        });
    }
}
