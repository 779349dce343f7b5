package dev.mybrd.mqcopy;

import dev.mybrd.kcsan.Kcsan;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import dev.mybrd.radix.RadixTree;
import dev.mybrd.rcu.Rcu;

/**
 * {@code struct mybrd_device} as mybrd's {@code master} lays it out (mybrd.c, mq-mode): the queue
 * and disk pointers, {@code spinlock_t mybrd_lock}, {@code spinlock_t mybrd_queue_lock},
 * {@code struct radix_tree_root mybrd_pages} (v4.4: {@code height}, {@code gfp_mask}, {@code rnode}),
 * {@code sw_queues}, the embedded {@code tag_set}, {@code queue_depth} and {@code nr_hw_queues}.
 *
 * <p>This is a reduced model of the fields only, for race MYBRD-08: every field that a plain
 * {@code memcpy} of the struct reads is read through {@link Kcsan#readPlain}, and every store the
 * kernel makes to one of them while the device is live is announced with {@link Kcsan#write} where
 * the kernel makes it. While the device is live only {@link #insertPage} ({@code mybrd_insert_page},
 * from any CPU's I/O) writes: the lock word of {@code mybrd_lock} ({@code arch_spin_lock}'s
 * {@code xadd} and {@code arch_spin_unlock}'s add, both atomic) and, when the first page above the
 * tree's reach grows the tree, the root's {@code height} and {@code rnode}
 * ({@code radix_tree_extend}: a plain store and an {@code rcu_assign_pointer}). The page itself goes
 * into the real {@link RadixTree} under the real {@link SpinLock}; the root's two fields are mirrored
 * here because the model's tree does not expose its root.
 *
 * <p>{@code queue_depth} and {@code nr_hw_queues} are written only while the queue is set up
 * ({@code mybrd_alloc}, {@code mybrd_init_hctx}), before any I/O; {@code mybrd_queue_lock} is not
 * taken at all in mq-mode.
 */
public final class MyBrdDevice {
    /** {@code hw_queue_depth}. */
    public static final int HW_QUEUE_DEPTH = 64;

    private final Kernel kernel;
    private final Kcsan kcsan;
    private final Rcu rcu;
    private final PageAllocator allocator;
    final SpinLock mybrdLock;
    final SpinLock mybrdQueueLock;
    final RadixTree<Page> mybrdPages;
    /** {@code mybrd_pages.height}: 1 in the model's empty tree (indexes 0..63). */
    int pagesHeight = 1;
    /** {@code mybrd_pages.rnode}, as a generation number: changes whenever the top node changes. */
    int pagesRnode;
    final int queueDepth = HW_QUEUE_DEPTH;
    final int nrHwQueues = 1;

    /** {@code mybrd_alloc} in mq-mode, with one hardware queue initialised. */
    public MyBrdDevice(Kernel kernel, Kcsan kcsan, long pageLimit) {
        this.kernel = kernel;
        this.kcsan = kcsan;
        this.rcu = new Rcu(kernel);
        this.allocator = new PageAllocator(kernel, pageLimit);
        this.mybrdLock = new SpinLock(kernel, "mybrd_lock");
        this.mybrdQueueLock = new SpinLock(kernel, "mybrd_queue_lock");
        this.mybrdPages = new RadixTree<>(kernel);
    }

    public Kcsan kcsan() {
        return kcsan;
    }

    /**
     * {@code mybrd_insert_page(mybrd, sector)}: the page for {@code sector}, allocated and inserted
     * under {@code mybrd_lock} if absent; null when no page is left.
     */
    public Page insertPage(long sector) {
        long idx = sector >>> (Page.PAGE_SHIFT - 9);
        Page p = lookupPage(idx);
        if (p != null) {
            return p;
        }
        p = allocator.allocPage(Gfp.NOIO | Gfp.ZERO);
        if (p == null) {
            return null;
        }
        mybrdPages.preload(true);
        spinLock();
        p.setIndex(idx);
        radixTreeInsert(idx, p);
        Page stored = mybrdPages.lookup(idx);
        spinUnlock();
        mybrdPages.preloadEnd();
        return stored;
    }

    /** {@code mybrd_lookup_page}: the tree walk under {@code rcu_read_lock}. */
    private Page lookupPage(long idx) {
        rcu.readLock();
        Page p = mybrdPages.lookup(idx);
        rcu.readUnlock();
        return p;
    }

    /** {@code spin_lock(&mybrd->mybrd_lock)}: the lock word's {@code xadd}. */
    private void spinLock() {
        mybrdLock.lock();
        kcsan.write(this, "mybrd_lock", "mybrd_insert_page");
    }

    /** {@code spin_unlock(&mybrd->mybrd_lock)}: the lock word's add to {@code head}. */
    private void spinUnlock() {
        kcsan.write(this, "mybrd_lock", "mybrd_insert_page");
        mybrdLock.unlock();
    }

    /** {@code radix_tree_insert}: grows the root first if {@code idx} is beyond its reach. */
    private void radixTreeInsert(long idx, Page p) {
        int need = 1;
        while (idx >= 1L << (need * RadixTree.MAP_SHIFT)) {
            need++;
        }
        if (need > pagesHeight) {
            kcsan.write(this, "mybrd_pages.rnode", "radix_tree_extend");
            pagesRnode++;
            kcsan.write(this, "mybrd_pages.height", "radix_tree_extend");
            pagesHeight = need;
        }
        if (mybrdPages.insert(idx, p) != 0) {
            allocator.freePage(p);
        }
    }

    /** Pages in the store that a lookup finds at {@code idx}, for tests. */
    public Page lookup(long idx) {
        return mybrdPages.lookup(idx);
    }

    Kernel kernel() {
        return kernel;
    }
}
