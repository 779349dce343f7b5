package dev.mybrd.mm;

/**
 * {@code struct page} reduced to what brd and mybrd use: the 4 KiB of data and {@code page->index}.
 * The data are plain bytes; nothing synchronises them, as nothing does in the kernel: callers copy
 * with {@link System#arraycopy} (memcpy).
 */
public final class Page {
    /** {@code PAGE_SHIFT}. */
    public static final int PAGE_SHIFT = 12;
    /** {@code PAGE_SIZE}. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;

    final byte[] data = new byte[PAGE_SIZE];
    private long index;

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
}
