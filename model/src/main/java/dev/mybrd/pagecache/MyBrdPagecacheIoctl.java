package dev.mybrd.pagecache;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code mybrd_ioctl} of mybrd's {@code ex-pagecache} branch (quoted in the tutorial's
 * {@code pagecache_ex.md}): for indexes 0 to 9 it calls {@code radix_tree_lookup} on the block
 * device's page cache ({@code bdev->bd_inode->i_mapping->page_tree}) and prints each page found with
 * its {@code p->index}; then it reads blocks 0 to 9 with {@code __bread} (whose buffer heads it never
 * releases: a leak, not modelled).
 *
 * <p><b>The defect</b> (spec 2.8 item 13, property P9): the lookup runs without
 * {@code rcu_read_lock} and without {@code mapping->tree_lock}, and the page is used
 * ({@code p->index}) without taking a reference. Reclaim on another CPU can delete the page from the
 * tree and free it between the lookup and the use ({@link Variant#EX_PAGECACHE}). In v4.4 the tree
 * nodes would be freed after a grace period as well ({@code radix_tree_node_free} uses
 * {@code call_rcu}), which the missing {@code rcu_read_lock} would expose on a preemptible kernel;
 * see {@link AddressSpace} for why the model checks the page.
 *
 * <p>{@link Variant#FIND_GET_PAGE} is the page cache's own lookup, {@code find_get_page}, followed by
 * {@code page_cache_release} after the use: v4.4's protocol, under which a page is used only while
 * the reader holds a reference, so reclaim cannot free it.
 */
public final class MyBrdPagecacheIoctl {
    /** Which lookup the ioctl does. */
    public enum Variant {
        /** ex-pagecache: {@code radix_tree_lookup} with no RCU, no lock, no reference. */
        EX_PAGECACHE,
        /** {@code find_get_page} (RCU + speculative reference + re-check), then {@code page_cache_release}. */
        FIND_GET_PAGE
    }

    private final AddressSpace mapping;
    private final Variant variant;

    public MyBrdPagecacheIoctl(AddressSpace mapping, Variant variant) {
        if (mapping == null || variant == null) {
            throw new IllegalArgumentException("the ioctl needs a mapping and a variant");
        }
        this.mapping = mapping;
        this.variant = variant;
    }

    /**
     * The ioctl's dump of indexes {@code from} to {@code to - 1}: for each, the {@code p->index} it
     * prints, or -1 for "no page-cache index".
     */
    public List<Long> dump(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad index range " + from + ".." + to + " (-EINVAL)");
        }
        List<Long> printed = new ArrayList<>();
        for (long index = from; index < to; index++) {
            printed.add(lookupAndPrint(index));
        }
        return printed;
    }

    /** One iteration of the ioctl's loop. */
    long lookupAndPrint(long index) {
        if (variant == Variant.EX_PAGECACHE) {
            PageRef p = mapping.radixTreeLookup(index);
            return p == null ? -1 : p.use("mybrd_ioctl");
        }
        PageRef p = mapping.findGetPage(index);
        if (p == null) {
            return -1;
        }
        long pindex = p.use("mybrd_ioctl");
        p.put(); // page_cache_release
        return pindex;
    }
}
