package dev.mybrd.pagecache;

import dev.mybrd.kernel.KernelBug;
import dev.mybrd.mm.Page;
import dev.mybrd.mm.PageAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A page and its reference count {@code page->_count} (v4.4; {@code page_ref} from v4.6), with the
 * calls of {@code include/linux/mm.h} and {@code pagemap.h} the page cache uses: {@code get_page},
 * {@code get_page_unless_zero}, {@code put_page} (which frees the page when the count reaches zero)
 * and {@code page_freeze_refs} ({@code page_ref_freeze}), by which reclaim takes a page whose only
 * users are the page cache and itself.
 *
 * <p><b>Why the speculative protocol works.</b> {@code struct page} itself is never freed (it lives in
 * {@code mem_map}), so reading a freed page's count is allowed; what is not allowed is using the page
 * (its contents, its {@code index}, its {@code mapping}) without holding a reference, because the
 * count can drop to zero and the page be freed, and reused, at any moment. A lookup without a
 * reference therefore either takes one with {@code get_page_unless_zero} (which fails on a page being
 * freed or frozen) and re-checks that the page is still where it was found, or must not touch the page.
 *
 * <p>The model marks a page freed when its last reference goes ({@link PageAllocator#freePage}), and
 * {@link #use} reports a use of a page with no reference left. (In the kernel nothing traps that read:
 * the caller silently reads a freed, possibly reused page; the model reports it explicitly.)
 */
public final class PageRef {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(PageRef.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Page page;
    private final PageAllocator allocator;
    @SuppressWarnings("unused") private int count;

    /** A page just allocated: {@code _count} 1, the allocating caller's reference. */
    PageRef(Page page, PageAllocator allocator) {
        this.page = page;
        this.allocator = allocator;
        COUNT.setRelease(this, 1);
    }

    /** The page. */
    public Page page() {
        return page;
    }

    /** {@code page_count(page)}. */
    public int count() {
        return (int) COUNT.getVolatile(this);
    }

    /** {@code get_page}: the caller already holds a reference. */
    void get() {
        int old = (int) COUNT.getAndAdd(this, 1);
        KernelBug.bugOn(old <= 0, () -> "get_page on a page with _count " + old + " (VM_BUG_ON_PAGE)");
    }

    /** {@code get_page_unless_zero}: a reference unless the count is 0 (free or frozen). */
    boolean getUnlessZero() {
        int c = (int) COUNT.getVolatile(this);
        while (c != 0) {
            int seen = (int) COUNT.compareAndExchange(this, c, c + 1);
            if (seen == c) {
                return true;
            }
            c = seen;
        }
        return false;
    }

    /** {@code put_page}: drops a reference; the last one frees the page. */
    public void put() {
        int now = (int) COUNT.getAndAdd(this, -1) - 1;
        KernelBug.bugOn(now < 0, () -> "put_page on a free page (VM_BUG_ON_PAGE: page_count 0)");
        if (now == 0) {
            allocator.freePage(page);
        }
    }

    /** {@code page_freeze_refs(page, expected)}: sets the count to 0 if it is {@code expected}. */
    boolean freeze(int expected) {
        return COUNT.compareAndSet(this, expected, 0);
    }

    /** Frees a page whose count {@link #freeze} set to 0 ({@code free_hot_cold_page}). */
    void freeFrozen() {
        KernelBug.bugOn(count() != 0, () -> "freeing a page with _count " + count());
        allocator.freePage(page);
    }

    /**
     * {@code function} uses the page ({@code page->index}, its data): reports the use of a page whose
     * last reference was dropped, which is what a lookup without a reference risks.
     */
    public long use(String function) {
        if (page.freed()) {
            throw new KernelBug("BUG: use-after-free in " + function + ": page (index " + page.index()
                    + ") used without a reference; reclaim dropped its last one and __free_page freed it");
        }
        return page.index();
    }
}
