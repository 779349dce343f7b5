package dev.mybrd.pagecache;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import dev.mybrd.radix.RadixTree;
import dev.mybrd.rcu.Rcu;

/**
 * {@code struct address_space} of v4.4 as the block device's page cache uses it
 * ({@code bdev->bd_inode->i_mapping}): {@code page_tree}, the radix tree of cached pages by index;
 * {@code tree_lock}, taken with interrupts off, which serialises every change of the tree; and
 * {@code nrpages}.
 *
 * <p><b>Readers</b> take no lock: {@link #findGetPage} is {@code find_get_page}'s protocol
 * ({@code find_get_entry}, mm/filemap.c): under {@code rcu_read_lock}, look the slot up, take a
 * speculative reference ({@code page_cache_get_speculative}, that is {@code get_page_unless_zero}
 * on SMP), and re-check that the slot still holds the page; on a failed reference or a changed slot,
 * drop what was taken and start again. The caller owns the returned reference and ends with
 * {@code page_cache_release}.
 *
 * <p><b>Eviction</b>, {@link #removeMapping}, is reclaim's {@code __remove_mapping}: the reclaimer holds
 * its own reference from isolating the page, so a page only the cache and the reclaimer hold has
 * count 2; under {@code tree_lock} it freezes the count from 2 to 0 ({@code page_freeze_refs}), which
 * fails if anyone else holds a reference (a reader's speculative one), then deletes the page from the
 * tree and, after the lock, frees it. A reader's speculative get on a frozen page fails, so reader and
 * reclaim cannot both win.
 *
 * <p><b>Nodes.</b> v4.4's {@code radix_tree_delete} also frees emptied tree nodes with
 * {@code call_rcu}; that is what the reader's {@code rcu_read_lock} protects. The model's
 * {@link RadixTree} never frees nodes, so here RCU is the kernel's protocol, kept for fidelity, and the
 * reference count is what the model checks. (On the non-preemptible v4.4 kernel modelled, a task
 * that walks the tree without sleeping is an RCU-sched reader even without {@code rcu_read_lock}.)
 *
 * <p>Invariants: a page in the tree holds the cache's reference (count at least 1); a page is freed
 * only after it left the tree; a reader uses only pages it holds a reference on.
 */
public final class AddressSpace {
    private final Kernel kernel;
    private final Rcu rcu;
    private final PageAllocator allocator;
    private final RadixTree<PageRef> pageTree;
    private final SpinLock treeLock;
    private long nrpages;

    public AddressSpace(Kernel kernel, Rcu rcu, long pageLimit) {
        this.kernel = kernel;
        this.rcu = rcu;
        this.allocator = new PageAllocator(kernel, pageLimit);
        this.pageTree = new RadixTree<>(kernel);
        this.treeLock = new SpinLock(kernel, "mapping->tree_lock");
    }

    /**
     * {@code add_to_page_cache_lru} of a new page at {@code index}, then the caller's
     * {@code page_cache_release}: the page ends with the cache's reference only. Returns it, or null if
     * the index is taken ({@code -EEXIST}) or no page is left.
     */
    public PageRef addToPageCache(long index) {
        Page page = allocator.allocPage(Gfp.NOIO | Gfp.ZERO); // the bdev mapping's gfp mask
        if (page == null) {
            return null;
        }
        PageRef ref = new PageRef(page, allocator);
        page.setIndex(index);
        ref.get(); // the page cache's reference
        pageTree.preload(true);
        treeLock.lockIrq();
        int err = pageTree.insert(index, ref);
        if (err == 0) {
            nrpages++;
        }
        treeLock.unlockIrq();
        pageTree.preloadEnd();
        ref.put(); // the caller's reference
        if (err != 0) {
            ref.put();
            return null;
        }
        return ref;
    }

    /** {@code radix_tree_lookup(&mapping->page_tree, index)} as the caller does it: no lock, no reference. */
    public PageRef radixTreeLookup(long index) {
        return pageTree.lookup(index);
    }

    /**
     * {@code find_get_page(mapping, index)}: the page at {@code index} with a reference the caller
     * must drop ({@link PageRef#put}), or null.
     */
    public PageRef findGetPage(long index) {
        rcu.readLock();
        try {
            while (true) {
                PageRef page = pageTree.lookup(index); // radix_tree_lookup_slot + radix_tree_deref_slot
                if (page == null) {
                    return null;
                }
                if (!page.getUnlessZero()) { // page_cache_get_speculative
                    continue;
                }
                if (pageTree.lookup(index) != page) { // page != *pagep: moved or deleted meanwhile
                    page.put();
                    continue;
                }
                return page;
            }
        } finally {
            rcu.readUnlock();
        }
    }

    /**
     * Reclaim of the page at {@code index} ({@code shrink_page_list}: isolate, then
     * {@code __remove_mapping}): true if it was deleted and freed, false if someone else held a
     * reference (the page stays cached; reclaim tries again later) or there was no page. The
     * reclaimer's own reference, which {@code isolate_lru_page} takes from the LRU list with
     * {@code get_page_unless_zero}, is taken here by a page-cache lookup (the model has no LRU).
     */
    public boolean removeMapping(long index) {
        PageRef page = findGetPage(index); // isolation: the reclaimer's own reference
        if (page == null) {
            return false;
        }
        treeLock.lockIrq();
        if (!page.freeze(2)) { // page_freeze_refs(page, 2): someone else uses it
            treeLock.unlockIrq();
            page.put();
            return false;
        }
        pageTree.delete(index); // __delete_from_page_cache
        nrpages--;
        treeLock.unlockIrq();
        page.freeFrozen();
        return true;
    }

    /** {@code mapping->nrpages}. */
    public long nrpages() {
        return nrpages;
    }

    /** Pages allocated and not freed. */
    public long allocated() {
        return allocator.allocated();
    }

    Kernel kernel() {
        return kernel;
    }
}
