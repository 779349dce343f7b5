package dev.mybrd.block;

import dev.mybrd.mm.Page;

/**
 * {@code struct bio_vec}: one segment of a bio, {@code len} bytes of the caller's {@code page}
 * starting at {@code offset}. A segment never leaves its page; the constructor refuses one that
 * would, as the kernel's memcpy would corrupt the neighbouring page.
 */
public record BioVec(Page page, int offset, int len) {
    public BioVec {
        if (page == null) {
            throw new IllegalArgumentException("bio_vec: bv_page is NULL");
        }
        if (len <= 0) {
            throw new IllegalArgumentException("bio_vec: bv_len must be > 0, got " + len);
        }
        if (offset < 0 || offset + len > Page.PAGE_SIZE) {
            throw new IllegalArgumentException("bio_vec: bv_offset " + offset + " + bv_len " + len
                    + " overruns its " + Page.PAGE_SIZE + "-byte page");
        }
    }
}
