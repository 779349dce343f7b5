package dev.mybrd.mm;

import dev.mybrd.kernel.KernelBug;
import dev.mybrd.rcu.RcuHead;

/**
 * {@code struct page} reduced to what brd and mybrd use: the 4 KiB of data, {@code page->index}, and
 * the {@code rcu_head} a page being freed after a grace period is queued with. The data are plain
 * bytes; nothing synchronises them, as nothing does in the kernel: callers copy with
 * {@link System#arraycopy} (memcpy).
 *
 * <p><b>KASAN.</b> {@link PageAllocator#freePage} marks the page freed (besides poisoning it), as
 * {@code CONFIG_KASAN} marks a freed page's shadow memory; code that copies to or from a page it
 * looked up calls {@link #kasanCheck} first, and an access to a freed page is reported as KASAN
 * reports it ("BUG: KASAN: use-after-free in ...") instead of silently reading the poison.
 */
public final class Page {
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_SIZE}. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    final byte[] data = new byte[PAGE_SIZE];
    private long index;
    /** The KASAN shadow state: set by {@code __free_page}; plain, like the shadow bytes. */
    private boolean freed;
    /** {@code page->rcu_head} (a union with {@code lru} in the kernel), for {@code call_rcu}. */
    private final RcuHead rcuHead = new RcuHead();

    Page() {
    }

    /** A caller's buffer page (a user page pinned for I/O); zero-filled. */
    public static Page buffer() {
        return new Page();
    }

    /** The page's bytes, as {@code kmap(page)} gives them. */
    public byte[] kmap() {
        return data;
    }

    /** {@code page->index}. */
    public long index() {
        return index;
    }

    /** Sets {@code page->index}; brd does it under its lock before inserting the page. */
    public void setIndex(long index) {
        this.index = index;
    }

    /** {@code page->rcu_head}. */
    public RcuHead rcuHead() {
        return rcuHead;
    }

    /** Whether the page was given back to the allocator. */
    public boolean freed() {
        return freed;
    }

    void markFreed() {
        if (freed) {
            throw new KernelBug("BUG: KASAN: double-free in __free_page: page " + describe());
        }
        freed = true;
    }

    /**
     * The KASAN check of an access to this page by {@code function}: throws
     * "BUG: KASAN: use-after-free in {@code function}" if the page was freed.
     */
    public void kasanCheck(String function) {
        if (freed) {
            throw new KernelBug("BUG: KASAN: use-after-free in " + function + ": page " + describe()
                    + " was freed by __free_page (its bytes read PAGE_POISON 0xaa)");
        }
    }

    private String describe() {
        return "index " + index;
    }
}
