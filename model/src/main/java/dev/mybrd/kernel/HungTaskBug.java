package dev.mybrd.kernel;

/**
 * khungtaskd's report: a task slept longer than the hung-task bound. In the model it ends the sleep
 * with this error, so a lost wake-up fails a check with a message naming the task and what it
 * waited for, instead of hanging the run.
 */
public final class HungTaskBug extends KernelBug {
    private static final long serialVersionUID = 1L;

    public HungTaskBug(String message) {
        super(message);
    }
}
