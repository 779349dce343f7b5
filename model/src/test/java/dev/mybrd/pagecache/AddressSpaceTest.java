package dev.mybrd.pagecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.rcu.Rcu;
import org.junit.jupiter.api.Test;

/** The page cache's lookup and reclaim protocols, and the ex-pagecache ioctl's use of them. */
class AddressSpaceTest {
    private final Kernel kernel = new Kernel(2);
    private final AddressSpace mapping = new AddressSpace(kernel, new Rcu(kernel), 4);

    @Test
    void aCachedPageHoldsOnlyTheCachesReference() {
        kernel.runOn(0, "t", () -> {
            PageRef p = mapping.addToPageCache(3);
            assertThat(p.count()).isEqualTo(1);
            assertThat(p.page().index()).isEqualTo(3);
            assertThat(mapping.nrpages()).isEqualTo(1);
            assertThat(mapping.addToPageCache(3)).as("-EEXIST").isNull();
            assertThat(mapping.allocated()).isEqualTo(1);
        });
    }

    @Test
    void reclaimCannotFreeAPageAReaderHoldsAndFreesItAfterwards() {
        kernel.runOn(0, "t", () -> {
            mapping.addToPageCache(0);
            PageRef held = mapping.findGetPage(0);
            assertThat(held.count()).isEqualTo(2);
            assertThat(mapping.removeMapping(0)).as("page_freeze_refs(page, 2) fails").isFalse();
            assertThat(mapping.radixTreeLookup(0)).isSameAs(held);
            assertThat(held.use("reader")).isZero();
            held.put();
            assertThat(mapping.removeMapping(0)).isTrue();
            assertThat(mapping.radixTreeLookup(0)).isNull();
            assertThat(mapping.findGetPage(0)).isNull();
            assertThat(mapping.nrpages()).isZero();
            assertThat(mapping.allocated()).isZero();
            assertThat(mapping.removeMapping(0)).isFalse();
        });
    }

    @Test
    void aPageLookedUpWithoutAReferenceCanBeFreedUnderItsUser() {
        kernel.runOn(0, "t", () -> {
            mapping.addToPageCache(0);
            PageRef bare = mapping.radixTreeLookup(0);
            assertThat(mapping.removeMapping(0)).isTrue();
            assertThatThrownBy(() -> bare.use("mybrd_ioctl")).isInstanceOf(KernelBug.class)
                    .hasMessageContaining("use-after-free in mybrd_ioctl");
            assertThat(bare.getUnlessZero()).as("a freed page's count is 0").isFalse();
        });
    }

    @Test
    void theIoctlPrintsEachIndexOrMinusOne() {
        kernel.runOn(0, "t", () -> {
            mapping.addToPageCache(1);
            for (MyBrdPagecacheIoctl.Variant v : MyBrdPagecacheIoctl.Variant.values()) {
                MyBrdPagecacheIoctl ioctl = new MyBrdPagecacheIoctl(mapping, v);
                assertThat(ioctl.dump(0, 3)).containsExactly(-1L, 1L, -1L);
                assertThatThrownBy(() -> ioctl.dump(2, 1)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(mapping.radixTreeLookup(1).count()).as("find_get_page's reference was dropped").isEqualTo(1);
        });
    }

    @Test
    void putOfAFreePageIsABug() {
        kernel.runOn(0, "t", () -> {
            PageRef p = mapping.addToPageCache(0);
            p.put(); // drops the cache's reference: freed
            assertThatThrownBy(p::put).isInstanceOf(KernelBug.class);
        });
    }
}
