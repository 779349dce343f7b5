package dev.mybrd.mm;

import dev.mybrd.kernel.Kernel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The page allocator ({@code alloc_page}/{@code __free_page}) with a fixed budget of pages, so that
 * the RAM disk can run out of memory as a real machine does.
 *
 * <p>An allocation that may block calls {@code might_sleep()} first (property P25). A page allocated
 * without {@link Gfp#ZERO} holds {@link #PAGE_POISON} bytes ({@code CONFIG_PAGE_POISONING}), so code
 * that publishes a page before clearing it is caught reading garbage rather than Java's zeros.
 */
public final class PageAllocator {
    /** {@code PAGE_POISON} of {@code include/linux/poison.h}. */
    public static final byte PAGE_POISON = (byte) 0xaa;
    private static final byte[] ZERO_PAGE = new byte[Page.PAGE_SIZE];
    private static final byte[] POISON_PAGE = poisonPage();

    private final Kernel kernel;
    private final long limit;
    private final AtomicLong allocated = new AtomicLong();

    /** An allocator that hands out at most {@code limit} pages at a time. */
    public PageAllocator(Kernel kernel, long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("page limit must be >= 0, got " + limit);
        }
        this.kernel = kernel;
        this.limit = limit;
    }

    /** {@code alloc_page(gfp)}: a page, or null when the budget is spent. */
    public Page allocPage(int gfp) {
        if (Gfp.allowsBlocking(gfp)) {
            kernel.mightSleep("alloc_page(GFP_NOIO)");
        }
        if (allocated.incrementAndGet() > limit) {
            allocated.decrementAndGet();
            return null;
        }
        Page page = new Page();
        System.arraycopy((gfp & Gfp.ZERO) != 0 ? ZERO_PAGE : POISON_PAGE, 0, page.data, 0, Page.PAGE_SIZE);
        return page;
    }

    /**
     * {@code __free_page(page)}: returns the page to the budget, poisons it and marks it freed for
     * KASAN ({@link Page#kasanCheck}); freeing it twice is KASAN's double-free report.
     */
    public void freePage(Page page) {
        page.markFreed();
        System.arraycopy(POISON_PAGE, 0, page.data, 0, Page.PAGE_SIZE);
        allocated.decrementAndGet();
    }

    /** {@code clear_highpage(page)}: fills the page with zeros. */
    public static void clearPage(Page page) {
        System.arraycopy(ZERO_PAGE, 0, page.data, 0, Page.PAGE_SIZE);
    }

    /** Copies {@code len} zero bytes to {@code dst[off..]}; memset(0) done as one memcpy. */
    public static void zero(byte[] dst, int off, int len) {
        System.arraycopy(ZERO_PAGE, 0, dst, off, len);
    }

    /** Pages allocated and not freed. */
    public long allocated() {
        return allocated.get();
    }

    private static byte[] poisonPage() {
        byte[] p = new byte[Page.PAGE_SIZE];
        java.util.Arrays.fill(p, PAGE_POISON);
        return p;
    }
}
