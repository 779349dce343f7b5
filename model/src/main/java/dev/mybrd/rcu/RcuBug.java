package dev.mybrd.rcu;

/**
 * Seeded bugs of the RCU implementation: documented deviations, each switched on explicitly
 * ({@link Rcu#Rcu(dev.mybrd.kernel.Kernel, java.util.Set)}, {@link RcuPointer#seeded}); the default
 * model has none. Each names the property it breaks and the check that must catch it. Bugs in the
 * code that <em>uses</em> RCU (free without a grace period, publish before initialising) are
 * written out in the checks themselves, not here.
 */
public enum RcuBug {
    /**
     * Classic bug (b)/(c) of spec section 3.3: {@code rcu_assign_pointer} done as a plain store and
     * {@code rcu_dereference} as a plain load, so neither the compiler nor a weakly ordered CPU has
     * to keep the initialisation of the object before its publication. Breaks P5. A property of an
     * {@link RcuPointer} ({@link RcuPointer#seeded}); the jcstress test {@code RcuPublishPlain} must
     * catch it.
     */
    PLAIN_PUBLISH,
    /**
     * {@code rcu_cbs_completed()} answers {@code ->completed + 1} even while a grace period is in
     * progress, so a callback (or a {@code synchronize_rcu} caller) is attached to the grace period
     * that is already running, which began before the {@code call_rcu} and need not wait for readers
     * that started after its beginning. The kernel's comment on that function states the rule this
     * breaks ("wait for a possible partial grace period and then the subsequent full grace period":
     * {@code ->completed + 2}). Breaks P9/P10 (a reader that began before the call still runs when
     * the object is freed); the {@code seeded-joins-current-gp} checks must catch it.
     */
    CALLBACK_JOINS_CURRENT_GP,
    /**
     * A list-splice bug in {@code rcu_do_batch()}: the ready segment is invoked in place instead of
     * being cut off the list ({@code rdp->nxtlist = *rdp->nxttail[RCU_DONE_TAIL];
     * *rdp->nxttail[RCU_DONE_TAIL] = NULL}), while the tails are reset as if it had been. When later
     * callbacks were waiting behind it, the next batch finds the invoked ones at the head of the list
     * again and invokes them a second time. Breaks P10 (exactly once); the
     * {@code seeded-done-segment-not-spliced} checks must catch it.
     */
    DONE_SEGMENT_NOT_SPLICED
}
