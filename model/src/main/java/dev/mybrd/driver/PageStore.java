package dev.mybrd.driver;

import dev.mybrd.block.Bio;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import dev.mybrd.radix.RadixTree;
import dev.mybrd.rcu.Rcu;
import java.util.Set;

/**
 * The RAM disk's backing store: 4 KiB pages in a radix tree keyed by page index
 * ({@code sector >> 3}), as brd keeps them ({@code drivers/block/brd.c}) and mybrd copies
 * ({@code mybrd_lookup_page}, {@code mybrd_insert_page}, {@code copy_from_user_to_mybrd},
 * {@code copy_from_mybrd_to_user}).
 *
 * <p><b>Protocol.</b> Lookups walk the tree on the RCU read side and take no lock. A page is created
 * on the first write to it: allocate a zeroed page and preload tree nodes (both may sleep) before
 * taking {@code mybrd_lock}, then insert under the lock. If another writer inserted the same index
 * between our lookup and our lock, the insert answers {@code -EEXIST}; the loser frees its page and
 * uses the winner's (brd's collision rule), so both writes land in one page. In v4.4
 * ({@link DiscardMode#V4_4_ZERO_FILL}, the default) pages are never removed while the device exists:
 * discard zero-fills them in place, so a page pointer obtained by a lookup stays valid after the read
 * side ends.
 *
 * <p><b>Later kernels' discard (race KR-21).</b> From 9ead7efc6f3f a discard erases whole pages from
 * the tree ({@code __xa_erase}, here {@link RadixTree#delete} under {@code mybrd_lock}) and frees
 * them. With {@link DiscardMode#FREE_AT_ONCE} the page is freed at once while a copy that looked it
 * up may still be running: the copy touches a freed page, which {@link Page#kasanCheck} reports as
 * KASAN would. With {@link DiscardMode#FREE_AFTER_GRACE_PERIOD} (0e8acffc1be1) the lookup and the
 * copy form one RCU read-side section and the page is freed by {@code call_rcu}, so a copy that
 * found the page finishes before the page is freed, and one that did not find it reads zeros or, for
 * a write, skips.
 *
 * <p><b>Invariants.</b> PS1: at most one page per index is reachable. PS2: {@code page.index == idx}
 * for every stored page. A page is zero-filled before it is published. Page contents are not
 * synchronised: concurrent overlapping copies may tear at byte level (PS5), as in the kernel.
 */
public final class PageStore {
    /** {@code PAGE_SECTORS_SHIFT}. */
    public static final int PAGE_SECTORS_SHIFT = Page.PAGE_SHIFT - Bio.SECTOR_SHIFT;
    /** {@code PAGE_SECTORS}: 8. */
    public static final int PAGE_SECTORS = 1 << PAGE_SECTORS_SHIFT;

    private final Kernel kernel;
    private final Rcu rcu;
    private final PageAllocator allocator;
    private final SpinLock mybrdLock;
    private final RadixTree<Page> pages;
    private final Set<Bug> bugs;
    private final DiscardMode discardMode;

    PageStore(Kernel kernel, Rcu rcu, PageAllocator allocator, SpinLock mybrdLock, Set<Bug> bugs) {
        this(kernel, rcu, allocator, mybrdLock, bugs, DiscardMode.V4_4_ZERO_FILL);
    }

    PageStore(Kernel kernel, Rcu rcu, PageAllocator allocator, SpinLock mybrdLock, Set<Bug> bugs,
              DiscardMode discardMode) {
        this.discardMode = discardMode;
        this.kernel = kernel;
        this.rcu = rcu;
        this.allocator = allocator;
        this.mybrdLock = mybrdLock;
        this.pages = new RadixTree<>(kernel);
        this.bugs = bugs;
    }

    /** {@code mybrd_lookup_page}/{@code brd_lookup_page}: the page holding {@code sector}, or null. */
    public Page lookupPage(long sector) {
        long idx = sector >>> PAGE_SECTORS_SHIFT;
        rcu.readLock();
        Page page = pages.lookup(idx);
        rcu.readUnlock();
        if (page != null && page.index() != idx) {
            throw new KernelBug("kernel BUG: page at index " + idx + " has page->index " + page.index());
        }
        return page;
    }

    /**
     * {@code mybrd_insert_page}/{@code brd_insert_page}: the page holding {@code sector}, created
     * zero-filled if absent; null when no page could be allocated.
     */
    Page insertPage(long sector) {
        Page page = lookupPage(sector);
        if (page != null) {
            return page;
        }
        boolean zeroLate = bugs.contains(Bug.ZERO_AFTER_PUBLISH);
        page = allocator.allocPage(zeroLate ? Gfp.NOIO : Gfp.NOIO | Gfp.ZERO);
        if (page == null) {
            return null;
        }
        pages.preload(true);
        long idx = sector >>> PAGE_SECTORS_SHIFT;
        boolean locked = !bugs.contains(Bug.INSERT_WITHOUT_LOCK);
        if (locked) {
            mybrdLock.lock();
        }
        page.setIndex(idx);
        Page stored = store(idx, page);
        if (locked) {
            mybrdLock.unlock();
        }
        pages.preloadEnd();
        if (zeroLate && stored == page) {
            kernel.schedule(); // cond_resched(): the published page waits, uninitialised
            PageAllocator.clearPage(page);
        }
        return stored;
    }

    /**
     * {@code radix_tree_insert} under {@code mybrd_lock}; returns the page now at {@code idx}. If
     * another writer inserted it first ({@code -EEXIST}), ours is freed and theirs is used.
     */
    private Page store(long idx, Page ours) {
        if (bugs.contains(Bug.INSERT_WITHOUT_RECHECK)) {
            pages.replace(idx, ours);
            return ours;
        }
        if (pages.insert(idx, ours) == 0) {
            return ours;
        }
        allocator.freePage(ours);
        Page winner = pages.lookup(idx);
        KernelBug.bugOn(winner == null, () -> "radix_tree_insert said -EEXIST but index " + idx + " is empty");
        return winner;
    }

    /**
     * {@code copy_to_brd_setup}: makes sure every page the write of {@code n} bytes at {@code sector}
     * touches exists; 0 or {@code -ENOSPC}. brd inserts both pages unconditionally; with
     * {@link Bug#MYBRD_TWO_PAGE_SETUP} the second is inserted only if the first was missing.
     */
    int copyToSetup(long sector, int n) {
        int first = firstPart(sector, n);
        boolean secondToo = first < n;
        if (bugs.contains(Bug.MYBRD_TWO_PAGE_SETUP)) {
            if (lookupPage(sector) != null) {
                return 0;
            }
        }
        if (insertPage(sector) == null) {
            return Errno.ENOSPC.negative();
        }
        if (secondToo && insertPage(sector + (first >> Bio.SECTOR_SHIFT)) == null) {
            return Errno.ENOSPC.negative();
        }
        return 0;
    }

    /** {@code copy_to_brd}: copies {@code n} bytes of {@code src[srcOff..]} to the disk at {@code sector}. */
    void copyTo(byte[] src, int srcOff, long sector, int n) {
        int first = firstPart(sector, n);
        copyToPage(src, srcOff, sector, first);
        if (first < n) {
            copyToPage(src, srcOff + first, sector + (first >> Bio.SECTOR_SHIFT), n - first);
        }
    }

    private void copyToPage(byte[] src, int srcOff, long sector, int len) {
        boolean rcuCopy = discardMode == DiscardMode.FREE_AFTER_GRACE_PERIOD;
        if (rcuCopy) {
            rcu.readLock(); // 0e8acffc1be1: the lookup and the copy in one read-side section
        }
        Page page = lookupPage(sector);
        if (page == null) {
            if (rcuCopy) {
                rcu.readUnlock(); // discarded since copy_to_brd_setup: skip, a read returns zeros
                return;
            }
            throw new KernelBug("kernel BUG: copy_to_brd: no page for sector " + sector);
        }
        kernel.preemptDisable(); // kmap_atomic
        page.kasanCheck("copy_to_brd");
        System.arraycopy(src, srcOff, page.kmap(), offsetInPage(sector), len);
        kernel.preemptEnable(); // kunmap_atomic
        if (rcuCopy) {
            rcu.readUnlock();
        }
    }

    /** {@code copy_from_brd}: copies {@code n} bytes at {@code sector} to {@code dst[dstOff..]}; zeros where no page. */
    void copyFrom(byte[] dst, int dstOff, long sector, int n) {
        int first = firstPart(sector, n);
        copyFromPage(dst, dstOff, sector, first);
        if (first < n) {
            copyFromPage(dst, dstOff + first, sector + (first >> Bio.SECTOR_SHIFT), n - first);
        }
    }

    private void copyFromPage(byte[] dst, int dstOff, long sector, int len) {
        boolean rcuCopy = discardMode == DiscardMode.FREE_AFTER_GRACE_PERIOD;
        if (rcuCopy) {
            rcu.readLock(); // 0e8acffc1be1: the lookup and the copy in one read-side section
        }
        Page page = lookupPage(sector);
        kernel.preemptDisable(); // kmap_atomic
        if (page == null) {
            PageAllocator.zero(dst, dstOff, len);
        } else {
            page.kasanCheck("copy_from_brd");
            System.arraycopy(page.kmap(), offsetInPage(sector), dst, dstOff, len);
        }
        kernel.preemptEnable(); // kunmap_atomic
        if (rcuCopy) {
            rcu.readUnlock();
        }
    }

    /**
     * {@code discard_from_brd} (v4.4): zero-fills each whole page of the range in place and never
     * frees; or, in the later kernels' modes, {@code brd_do_discard}: erases and frees them.
     */
    void discard(long sector, long bytes) {
        for (long done = 0; done + Page.PAGE_SIZE <= bytes; done += Page.PAGE_SIZE) {
            long s = sector + (done >> Bio.SECTOR_SHIFT);
            if (discardMode == DiscardMode.V4_4_ZERO_FILL) {
                zeroPage(s);
            } else {
                erasePage(s);
            }
        }
    }

    /**
     * One page of {@code brd_do_discard}: {@code __xa_erase} under the tree's lock, then
     * {@code __free_page} at once (9ead7efc6f3f) or {@code call_rcu(&page->rcu_head,
     * brd_free_one_page)} (0e8acffc1be1).
     */
    private void erasePage(long sector) {
        long idx = sector >>> PAGE_SECTORS_SHIFT;
        mybrdLock.lock();
        try {
            Page page = pages.delete(idx);
            if (page == null) {
                return;
            }
            if (discardMode == DiscardMode.FREE_AT_ONCE) {
                allocator.freePage(page);
            } else {
                rcu.callRcu(page.rcuHead(), head -> allocator.freePage(page)); // brd_free_one_page
            }
        } finally {
            mybrdLock.unlock();
        }
    }

    /** How discard is handled. */
    public DiscardMode discardMode() {
        return discardMode;
    }

    /**
     * {@code rcu_barrier()}: waits until every page a discard queued for freeing has been freed
     * (a no-op wait in the modes that never defer). The caller must be able to sleep.
     */
    public void rcuBarrier() {
        if (discardMode == DiscardMode.FREE_AFTER_GRACE_PERIOD) {
            rcu.rcuBarrier();
        }
    }

    /** {@code brd_zero_page}. */
    private void zeroPage(long sector) {
        Page page = lookupPage(sector);
        if (page != null) {
            kernel.preemptDisable(); // kmap_atomic
            PageAllocator.clearPage(page);
            kernel.preemptEnable();
        }
    }

    /** Pages currently allocated to the store. */
    public long nrPages() {
        return allocator.allocated();
    }

    private static int offsetInPage(long sector) {
        return (int) (sector & (PAGE_SECTORS - 1)) << Bio.SECTOR_SHIFT;
    }

    /** Bytes of an {@code n}-byte copy at {@code sector} that fall in the first page. */
    private static int firstPart(long sector, int n) {
        return Math.min(n, Page.PAGE_SIZE - offsetInPage(sector));
    }
}
