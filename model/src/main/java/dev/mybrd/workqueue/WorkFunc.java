package dev.mybrd.workqueue;

/**
 * {@code work_func_t}: the function a work item runs, in process context on a kworker, with the
 * work item it was queued as.
 */
@FunctionalInterface
public interface WorkFunc {
    void run(WorkStruct work);
}
