package dev.mybrd.kernel;

/**
 * The context a CPU is executing in, derived as the kernel derives it from {@code preempt_count}
 * ({@code in_irq()}, {@code in_serving_softirq()}); {@link #PROCESS} otherwise.
 */
public enum Context {
    /** Task context: may sleep unless something made it atomic. */
    PROCESS,
    /** Serving a softirq ({@code in_serving_softirq()}): never sleeps. */
    SOFTIRQ,
    /** Serving a hardware interrupt ({@code in_irq()}): never sleeps. */
    HARDIRQ
}
