package dev.mybrd.rcu;

import dev.mybrd.kernel.KernelBug;

/**
 * A kmalloc'd object that readers reach through an {@link RcuPointer}: the chapter's
 * {@code struct foo { int a; struct rcu_head rcu; }}, with the slab debugging that makes a
 * use-after-free visible. {@link #kfree} poisons the payload with SLUB's {@code POISON_FREE} byte
 * (0x6b), so a reader that reads a freed object gets {@link #POISON_FREE} instead of a value; a
 * second {@link #kfree} is a double free, reported as the allocator reports it.
 *
 * <p>The payload is a plain field, as in C: readers and the updater are ordered by
 * {@link RcuPointer} (publication) and by the grace period (reclamation), nothing else.
 */
public final class RcuObject {
    /** {@code POISON_FREE} repeated over an int: what a freed object's payload reads as. */
    public static final int POISON_FREE = 0x6b6b6b6b;

    private int a;
    private boolean freed;
    private final RcuHead rcu = new RcuHead();

    /** {@code kmalloc} without initialisation: the payload is 0 until {@link #setA} writes it. */
    public RcuObject() {
    }

    /** {@code kmalloc} and initialise {@code a}. */
    public RcuObject(int a) {
        this.a = a;
    }

    /** {@code p->a}: the payload, or {@link #POISON_FREE} once the object is freed. */
    public int a() {
        return a;
    }

    /** {@code p->a = v}. */
    public void setA(int v) {
        this.a = v;
    }

    /** The embedded {@code struct rcu_head}, for {@link Rcu#callRcu}. */
    public RcuHead rcuHead() {
        return rcu;
    }

    /** {@code kfree(p)}: poisons the payload; a second free is the allocator's double-free BUG. */
    public void kfree() {
        if (freed) {
            throw new KernelBug("kernel BUG: double free of object " + Integer.toHexString(System.identityHashCode(this))
                    + " (its payload already reads POISON_FREE 0x6b)");
        }
        freed = true;
        a = POISON_FREE;
    }

    /** Whether {@link #kfree} ran. */
    public boolean freed() {
        return freed;
    }

    /** {@code kfree_rcu(p, rcu)}: frees the object from an RCU callback after a grace period. */
    public void kfreeRcu(Rcu rcuState) {
        rcuState.callRcu(rcu, head -> kfree());
    }
}
