package dev.mybrd.kernel;

/**
 * A task ({@code struct task_struct}, reduced to its name and where it runs). A Java thread becomes
 * a task for the duration of {@link Kernel#runOn}; {@code current} is that task.
 */
public final class Task {
    private final String comm;
    private final Thread thread;
    private Cpu cpu;

    Task(String comm, Thread thread) {
        this.comm = comm;
        this.thread = thread;
    }

    /** {@code current->comm}. */
    public String comm() {
        return comm;
    }

    /** The Java thread that runs this task. */
    public Thread thread() {
        return thread;
    }

    /** {@code task_cpu(current)}: the CPU the task runs on. */
    public Cpu cpu() {
        return cpu;
    }

    void setCpu(Cpu cpu) {
        this.cpu = cpu;
    }

    @Override
    public String toString() {
        return comm;
    }
}
