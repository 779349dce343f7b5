package dev.mybrd.radix;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code lib/radix-tree.c} as brd and mybrd use it: lookups on the RCU read side, inserts serialised
 * by the caller's lock, nodes preallocated before the lock is taken.
 *
 * <p><b>Shape.</b> Every node has {@value #MAP_SIZE} slots ({@code RADIX_TREE_MAP_SHIFT} = 6) and a
 * fixed height; a tree of height {@code h} maps indexes below {@code 64^h}. The root points to the top
 * node. (v4.4 stores a lone item at index 0 directly in the root; the model always uses a node, which
 * changes no ordering argument.)
 *
 * <p><b>Why readers need no lock.</b> A writer changes the tree only by storing one pointer with
 * release semantics ({@code rcu_assign_pointer}), and only after everything that pointer reaches is
 * initialised: a new leaf item, a new child node, or, when the tree grows, a new top node whose slot 0
 * already holds the old top ({@code radix_tree_extend}). A reader loads each pointer with acquire
 * ({@code rcu_dereference}) and so sees either the old tree or the new one, both valid. Nodes are
 * never freed here: {@link #delete} only clears the item's slot (v4.4's {@code radix_tree_delete}
 * also shrinks the tree and frees empty nodes after a grace period, which changes no ordering the
 * page store relies on), so for the tree itself the RCU read side only documents the kernel's rule.
 * The items are another matter: an item deleted while a reader still holds it must not be freed
 * before a grace period, which is the caller's business (KR-21).
 *
 * <p><b>Writers</b> must hold the lock that serialises inserts; two unserialised writers can both
 * fill one empty slot and lose an item, which is the seeded bug of the page store. Node allocation
 * draws on a per-CPU pool filled by {@link #preload} ({@code radix_tree_preload}), which returns
 * with preemption disabled so the pool cannot change CPU before the insert uses it.
 */
public final class RadixTree<T> {
    /** {@code RADIX_TREE_MAP_SHIFT}. */
    public static final int MAP_SHIFT = 6;
    /** {@code RADIX_TREE_MAP_SIZE}. */
    public static final int MAP_SIZE = 1 << MAP_SHIFT;
    private static final int MAP_MASK = MAP_SIZE - 1;
    /** Deepest tree: 64^10 > 2^59 indexes, more than any sector_t page index needs. */
    private static final int MAX_HEIGHT = 10;
    /** {@code RADIX_TREE_PRELOAD_SIZE}: enough nodes for one insert at the deepest height. */
    static final int PRELOAD_SIZE = MAX_HEIGHT;
    private static final VarHandle RNODE;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            RNODE = MethodHandles.lookup().findVarHandle(RadixTree.class, "rnode", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code struct radix_tree_node}: height and slots; the count is kept for the writer only. */
    static final class Node {
        final int height;
        final Object[] slots = new Object[MAP_SIZE];
        int count;

        Node(int height) {
            this.height = height;
        }
    }

    private final Kernel kernel;
    @SuppressWarnings("unused") private Node rnode;
    /** Per-CPU preload pools ({@code radix_tree_preloads}); each touched only by its CPU. */
    private final int[] preloaded;

    public RadixTree(Kernel kernel) {
        this.kernel = kernel;
        this.preloaded = new int[kernel.nrCpus()];
        RNODE.setRelease(this, new Node(1));
    }

    /**
     * {@code radix_tree_lookup(root, index)}: the item at {@code index} or null. Caller is on the RCU
     * read side or holds the writers' lock.
     */
    @SuppressWarnings("unchecked")
    public T lookup(long index) {
        checkIndex(index);
        Node node = (Node) RNODE.getAcquire(this);
        if (index >= maxIndex(node.height)) {
            return null;
        }
        for (int h = node.height; ; h--) {
            Object slot = SLOT.getAcquire(node.slots, slotOf(index, h));
            if (h == 1 || slot == null) {
                return (T) slot;
            }
            node = (Node) slot;
        }
    }

    /**
     * {@code radix_tree_preload(gfp)}: fills this CPU's node pool and returns 0 with preemption
     * disabled; the caller ends with {@link #preloadEnd}. A blocking {@code gfp} may sleep. The model
     * never fails to allocate a node, so it never returns {@code -ENOMEM}.
     */
    public int preload(boolean mayBlock) {
        if (mayBlock) {
            kernel.mightSleep("radix_tree_preload(GFP_NOIO)");
        }
        kernel.preemptDisable();
        preloaded[kernel.smpProcessorId()] = PRELOAD_SIZE;
        return 0;
    }

    /** {@code radix_tree_preload_end()}: re-enables preemption. */
    public void preloadEnd() {
        kernel.preemptEnable();
    }

    /**
     * {@code radix_tree_insert(root, index, item)}: 0, or {@code -EEXIST} if the slot is taken. The
     * caller holds the writers' lock; new nodes are filled in before they are published.
     */
    public int insert(long index, T item) {
        Node leaf = leafFor(index, item);
        int offset = slotOf(index, 1);
        if (SLOT.getAcquire(leaf.slots, offset) != null) {
            return Errno.EEXIST.negative();
        }
        SLOT.setRelease(leaf.slots, offset, item);
        leaf.count++;
        return 0;
    }

    /**
     * {@code radix_tree_lookup_slot} + {@code radix_tree_replace_slot}: stores {@code item} at
     * {@code index} whatever is there and returns the previous item. Used correctly it swaps an item
     * the caller knows is present; storing into a slot assumed empty is the lost-insert bug.
     */
    @SuppressWarnings("unchecked")
    public T replace(long index, T item) {
        Node leaf = leafFor(index, item);
        int offset = slotOf(index, 1);
        T old = (T) SLOT.getAcquire(leaf.slots, offset);
        SLOT.setRelease(leaf.slots, offset, item);
        if (old == null) {
            leaf.count++;
        }
        return old;
    }

    /**
     * {@code radix_tree_delete(root, index)}: removes the item at {@code index} and returns it, or
     * null if there was none. The caller holds the writers' lock. The slot is cleared with a release
     * store; a reader that loaded the item before still holds it, so the caller may free it only
     * after a grace period.
     */
    @SuppressWarnings("unchecked")
    public T delete(long index) {
        checkIndex(index);
        Node node = (Node) RNODE.getAcquire(this);
        if (index >= maxIndex(node.height)) {
            return null;
        }
        for (int h = node.height; h > 1; h--) {
            node = (Node) SLOT.getAcquire(node.slots, slotOf(index, h));
            if (node == null) {
                return null;
            }
        }
        int offset = slotOf(index, 1);
        T old = (T) SLOT.getAcquire(node.slots, offset);
        if (old != null) {
            SLOT.setRelease(node.slots, offset, null);
            node.count--;
        }
        return old;
    }

    /** Walks from the top to the leaf node for {@code index}, creating and publishing missing nodes. */
    private Node leafFor(long index, T item) {
        if (item == null) {
            throw new IllegalArgumentException("radix tree: NULL item");
        }
        checkIndex(index);
        Node node = extendTo(index);
        for (int h = node.height; h > 1; h--) {
            int offset = slotOf(index, h);
            Node child = (Node) SLOT.getAcquire(node.slots, offset);
            if (child == null) {
                child = allocNode(h - 1);
                SLOT.setRelease(node.slots, offset, child);
                node.count++;
            }
            node = child;
        }
        return node;
    }

    /** {@code radix_tree_extend}: grows the tree until {@code index} fits; returns the top node. */
    private Node extendTo(long index) {
        Node top = (Node) RNODE.getAcquire(this);
        while (index >= maxIndex(top.height)) {
            Node grown = allocNode(top.height + 1);
            grown.slots[0] = top;
            grown.count = 1;
            RNODE.setRelease(this, grown);
            top = grown;
        }
        return top;
    }

    /**
     * {@code radix_tree_node_alloc}: takes a node from this CPU's preload pool, or (like the kernel's
     * GFP_ATOMIC fallback) a fresh one when the pool is empty.
     */
    private Node allocNode(int height) {
        int cpu = kernel.smpProcessorId();
        if (preloaded[cpu] > 0) {
            preloaded[cpu]--;
        }
        return new Node(height);
    }

    private static int slotOf(long index, int height) {
        return (int) (index >>> ((height - 1) * MAP_SHIFT)) & MAP_MASK;
    }

    private static long maxIndex(int height) {
        return height >= MAX_HEIGHT ? Long.MAX_VALUE : 1L << (height * MAP_SHIFT);
    }

    private static void checkIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("radix tree index must be >= 0, got " + index);
        }
    }
}
