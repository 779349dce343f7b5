package dev.mybrd.lincheck.pagecache;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.pagecache.AddressSpace;
import dev.mybrd.pagecache.MyBrdPagecacheIoctl;
import dev.mybrd.rcu.Rcu;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * MYBRD-13 (P9): the block device's page cache holds page 0; {@code ioctl(fd, 0x1234)} (the dump of
 * index 0) on one CPU against reclaim of that page on another. One after the other, the ioctl prints
 * index 0 (it ran first) or "no page-cache index" (-1); a run where the ioctl uses the page after
 * reclaim freed it is the defect. Whether reclaim freed the page is not compared (it fails, and tries
 * again later, while a reader holds a reference).
 */
public abstract class IoctlVsReclaim {
    private final Kernel kernel = new Kernel(2);
    private final AddressSpace mapping = new AddressSpace(kernel, new Rcu(kernel), 4);
    private final MyBrdPagecacheIoctl ioctl = new MyBrdPagecacheIoctl(mapping, variant());

    protected IoctlVsReclaim() {
        kernel.runOn(0, "dd", () -> mapping.addToPageCache(0));
    }

    protected abstract MyBrdPagecacheIoctl.Variant variant();

    /** The ioctl's lookup of index 0: the printed {@code p->index}, or -1. */
    @Operation
    public long ioctl() {
        return kernel.runOn(0, "pagecache_test", () -> ioctl.dump(0, 1).get(0));
    }

    /** {@code kswapd0}'s reclaim of page 0 ({@code shrink_page_list}, {@code __remove_mapping}). */
    @Operation
    public void reclaim() {
        kernel.runOn(1, "kswapd0", () -> mapping.removeMapping(0));
    }

    /** ex-pagecache: {@code radix_tree_lookup} without RCU or a reference. */
    public static class ExPagecache extends IoctlVsReclaim {
        @Override
        protected MyBrdPagecacheIoctl.Variant variant() {
            return MyBrdPagecacheIoctl.Variant.EX_PAGECACHE;
        }
    }

    /** {@code find_get_page} and {@code page_cache_release}. */
    public static class FindGetPage extends IoctlVsReclaim {
        @Override
        protected MyBrdPagecacheIoctl.Variant variant() {
            return MyBrdPagecacheIoctl.Variant.FIND_GET_PAGE;
        }
    }
}
