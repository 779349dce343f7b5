package dev.mybrd.kernel;

/**
 * {@code ___might_sleep()}'s report, "BUG: sleeping function called from invalid context": a call that
 * may sleep was made in atomic context (property P25). The message names the call, the context and
 * the CPU state, as the kernel's report does.
 */
public final class AtomicSleepBug extends KernelBug {
    private static final long serialVersionUID = 1L;

    public AtomicSleepBug(String message) {
        super(message);
    }
}
