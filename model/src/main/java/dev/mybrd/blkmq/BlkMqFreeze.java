package dev.mybrd.blkmq;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.lib.PercpuRef;
import dev.mybrd.locking.Mutex;
import dev.mybrd.sched.Wait;
import dev.mybrd.sched.WaitQueueHead;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Queue freezing of v4.4's {@code block/blk-mq.c} and {@code blk_queue_enter}/{@code blk_queue_exit}
 * of {@code block/blk-core.c}: the per-CPU usage counter {@code q->q_usage_counter}, the freeze depth
 * {@code q->mq_freeze_depth} and the wait queue {@code q->mq_freeze_wq}.
 *
 * <p><b>Protocol.</b> Every bio and request holds a reference on the usage counter from
 * {@link #enter} to {@link #exit}. {@link #freezeQueueStart} raises the depth; the caller that raises
 * it from 0 kills the counter, so new enters fail and the count can drain. {@link #freezeQueueWait}
 * sleeps until it is zero (the counter's release callback wakes {@code mq_freeze_wq}).
 * {@link #unfreezeQueue} lowers the depth; the caller that brings it to 0 brings the counter back to
 * life and wakes every task blocked in {@link #enter}. A blocked enter waits until the depth is 0 or
 * the queue is dying, and a dying queue answers {@code -ENODEV}.
 *
 * <p><b>v4.4 and its race (KR-18).</b> v4.4 changes the depth with atomics and kills or reinits the
 * counter after the atomic, outside any lock. An unfreeze that brought the depth to 0 and a freeze
 * that raises it to 1 again can therefore cross: the freeze kills the counter that is still dead
 * (WARN "called more than once"), then the unfreeze brings it back to life while the depth is 1. The
 * freezer then waits for a live counter to reach zero, which it never does: the queue hangs frozen.
 * Commit 7996a8b5511a ("blk-mq: fix hang caused by freeze/unfreeze sequence", 2019) puts the depth,
 * the kill and the resurrect under {@code q->mq_freeze_lock}; that is {@link Variant#FREEZE_LOCK}.
 *
 * <p>Invariants (P30): while frozen and drained no enter succeeds and nothing holds a reference;
 * every successful enter is matched by one exit; a task blocked in enter proceeds after the unfreeze,
 * or fails with {@code -ENODEV} when the queue dies. Unbalanced unfreezes WARN and change nothing.
 */
public final class BlkMqFreeze {
    /** Which kernel's freeze code runs. */
    public enum Variant {
        /** v4.4: {@code atomic_inc_return}/{@code atomic_dec_return} on the depth, kill/reinit outside any lock. */
        V4_4,
        /** 7996a8b5511a (v5.2): depth, kill and resurrect under {@code mq_freeze_lock}. */
        FREEZE_LOCK
    }

    private static final VarHandle DEPTH;
    private static final VarHandle DYING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DEPTH = l.findVarHandle(BlkMqFreeze.class, "mqFreezeDepth", int.class);
            DYING = l.findVarHandle(BlkMqFreeze.class, "dying", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Kernel kernel;
    private final Variant variant;
    private final WaitQueueHead mqFreezeWq;
    private final PercpuRef usageCounter;
    private final Mutex mqFreezeLock;
    private final Runnable runHwQueues;
    @SuppressWarnings("unused") private int mqFreezeDepth;
    @SuppressWarnings("unused") private boolean dying;
    private volatile int warnings;

    /**
     * @param runHwQueues {@code blk_mq_run_hw_queues(q, false)}, run by the freezer so that requests
     *        waiting in software queues are dispatched and give their references back
     */
    public BlkMqFreeze(Kernel kernel, String queueName, Variant variant, Runnable runHwQueues) {
        if (kernel == null || queueName == null || variant == null || runHwQueues == null) {
            throw new IllegalArgumentException("BlkMqFreeze needs a kernel, a queue name, a variant and a run hook");
        }
        this.kernel = kernel;
        this.variant = variant;
        this.mqFreezeWq = new WaitQueueHead(kernel, queueName + ".mq_freeze_wq");
        this.usageCounter = new PercpuRef(kernel, queueName + ".q_usage_counter", this::usageCounterRelease);
        this.mqFreezeLock = new Mutex(kernel, queueName + ".mq_freeze_lock");
        this.runHwQueues = runHwQueues;
    }

    /** A v4.4 freeze for a queue with nothing to run. */
    public BlkMqFreeze(Kernel kernel, String queueName) {
        this(kernel, queueName, Variant.V4_4, () -> { });
    }

    /** {@code blk_queue_usage_counter_release}: the last reference after a kill wakes the freezers. */
    private void usageCounterRelease() {
        mqFreezeWq.wakeUpAll();
    }

    /**
     * {@code blk_queue_enter(q, gfp)}: 0 with a reference held; {@code -EBUSY} if the queue is frozen
     * and the caller may not block; {@code -ENODEV} if the queue is dying; {@code -ERESTARTSYS} on a
     * signal while blocked.
     */
    public int enter(boolean mayBlock) {
        while (true) {
            if (usageCounter.tryGetLive()) {
                return 0;
            }
            if (!mayBlock) {
                return Errno.EBUSY.negative();
            }
            int ret = Wait.waitEventInterruptible(mqFreezeWq,
                    () -> (int) DEPTH.getVolatile(this) == 0 || (boolean) DYING.getVolatile(this));
            if ((boolean) DYING.getVolatile(this)) {
                return Errno.ENODEV.negative();
            }
            if (ret != 0) {
                return ret;
            }
        }
    }

    /** {@code blk_queue_exit(q)}: gives back the reference of a successful enter. */
    public void exit() {
        usageCounter.put();
    }

    /** {@code blk_mq_freeze_queue_start(q)} ({@code blk_freeze_queue_start} from v4.13). */
    public void freezeQueueStart() {
        if (variant == Variant.FREEZE_LOCK) {
            mqFreezeLock.lock();
            boolean first = ++mqFreezeDepth == 1;
            if (first) {
                usageCounter.kill();
            }
            mqFreezeLock.unlock();
            if (first) {
                runHwQueues.run();
            }
            return;
        }
        int depth = (int) DEPTH.getAndAdd(this, 1) + 1;
        if (depth == 1) {
            usageCounter.kill();
            runHwQueues.run();
        }
    }

    /** {@code blk_mq_freeze_queue_wait(q)}: sleeps until the usage counter is zero. */
    public void freezeQueueWait() {
        Wait.waitEvent(mqFreezeWq, usageCounter::isZero);
    }

    /** {@code blk_mq_freeze_queue(q)}: start, then wait for the queue to drain. */
    public void freezeQueue() {
        freezeQueueStart();
        freezeQueueWait();
    }

    /** {@code blk_mq_unfreeze_queue(q)}. An unfreeze without a freeze WARNs and changes nothing. */
    public void unfreezeQueue() {
        if (variant == Variant.FREEZE_LOCK) {
            mqFreezeLock.lock();
            try {
                if (mqFreezeDepth == 0) {
                    warn("blk_mq_unfreeze_queue without a freeze");
                    return;
                }
                if (--mqFreezeDepth == 0) {
                    usageCounter.reinit();
                    mqFreezeWq.wakeUpAll();
                }
            } finally {
                mqFreezeLock.unlock();
            }
            return;
        }
        int depth;
        do {
            depth = (int) DEPTH.getVolatile(this);
            if (depth == 0) {
                warn("blk_mq_unfreeze_queue without a freeze");
                return;
            }
        } while (!DEPTH.compareAndSet(this, depth, depth - 1));
        if (depth - 1 == 0) {
            usageCounter.reinit();
            mqFreezeWq.wakeUpAll();
        }
    }

    /** {@code blk_set_queue_dying(q)}: blocked and later enters fail with {@code -ENODEV}. */
    public void setQueueDying() {
        DYING.setVolatile(this, true);
        mqFreezeWq.wakeUpAll();
    }

    /** {@code q->mq_freeze_depth}. */
    public int freezeDepth() {
        return (int) DEPTH.getVolatile(this);
    }

    /** Whether the queue is frozen and drained: depth above 0 and no reference held. */
    public boolean frozenAndDrained() {
        return freezeDepth() > 0 && usageCounter.isZero();
    }

    /** {@code q->mq_freeze_wq}. */
    public WaitQueueHead freezeWaitQueue() {
        return mqFreezeWq;
    }

    /** {@code q->q_usage_counter}. */
    public PercpuRef usageCounter() {
        return usageCounter;
    }

    /** WARNINGs printed by the freeze code and its counter. */
    public int warnings() {
        return warnings + usageCounter.warnings();
    }

    private synchronized void warn(String message) {
        warnings++;
        kernel.printk("WARNING: block/blk-mq.c: " + message);
    }
}
