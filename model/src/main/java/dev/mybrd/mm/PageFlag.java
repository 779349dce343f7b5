package dev.mybrd.mm;

/**
 * {@code enum pageflags} of v4.4 {@code include/linux/page-flags.h}: the bit number of each flag in
 * {@code page->flags}. Only the first fourteen are listed; their numbers do not depend on the kernel
 * configuration (the later ones do: {@code CONFIG_MMU}, {@code CONFIG_MEMORY_FAILURE}, ...).
 */
public enum PageFlag {
    /** {@code PG_locked}: the page lock ({@code lock_page}/{@code unlock_page}). */
    PG_LOCKED,
    PG_ERROR,
    PG_REFERENCED,
    /** {@code PG_uptodate}: the page holds valid data. */
    PG_UPTODATE,
    PG_DIRTY,
    /** {@code PG_lru}: on an LRU list; the tutorial's example of {@code __ClearPageLRU}. */
    PG_LRU,
    PG_ACTIVE,
    PG_SLAB,
    PG_OWNER_PRIV_1,
    PG_ARCH_1,
    PG_RESERVED,
    PG_PRIVATE,
    PG_PRIVATE_2,
    /** {@code PG_writeback}: under write-back I/O. */
    PG_WRITEBACK;

    /** The bit number, {@code PG_xxx}. */
    public int nr() {
        return ordinal();
    }
}
