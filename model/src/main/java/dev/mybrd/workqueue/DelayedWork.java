package dev.mybrd.workqueue;

/**
 * {@code struct delayed_work}: a work item and the timer that queues it. {@code queue_delayed_work}
 * takes PENDING like {@code queue_work} and, instead of queueing, arms the timer (which then owns
 * PENDING) with the target workqueue and CPU stored beside it; when the timer fires,
 * {@code delayed_work_timer_fn} queues the work from the timer softirq with interrupts off (the timer
 * is {@code TIMER_IRQSAFE}). {@code wq} and {@code cpu} are written by the PENDING owner before the
 * timer is armed and read by the timer function after the timer base's lock hands it over.
 */
public class DelayedWork extends WorkStruct {
    final TimerList timer;
    Workqueue wq;
    int cpu;

    /** {@code INIT_DELAYED_WORK(dwork, func)}. */
    public DelayedWork(String name, WorkFunc func) {
        super(name, func);
        this.timer = new TimerList(name + ".timer", this::delayedWorkTimerFn, TimerList.TIMER_IRQSAFE);
    }

    /** {@code dwork->timer}. */
    public TimerList timer() {
        return timer;
    }

    /** {@code delayed_work_timer_fn}: {@code __queue_work(dwork->cpu, dwork->wq, &dwork->work)}. */
    private void delayedWorkTimerFn() {
        wq.queueWorkIrqsOff(cpu, this);
    }
}
