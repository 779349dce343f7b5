package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.idr.Ida;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class DiskIndexesTest {
    private final Kernel kernel = new Kernel(2);
    private final DiskIndexes vd = new DiskIndexes(kernel, "vd");

    private <T> T on(Callable<T> body) {
        return kernel.runOn(0, "probe", body);
    }

    @Test
    void indexesGiveFirstMinorsSixteenApartAndVirtioNames() {
        for (int i = 0; i < 3; i++) {
            int index = on(() -> vd.allocIndex(Gfp.NOIO));
            assertThat(index).isEqualTo(i);
        }
        assertThat(DiskIndexes.indexToMinor(2)).isEqualTo(32);
        assertThat(DiskIndexes.minorToIndex(47)).isEqualTo(2);
        assertThat(DiskIndexes.MAX_INDEXES).isEqualTo(65536);
        assertThat(vd.diskName(0)).isEqualTo("vda");
        assertThat(vd.diskName(25)).isEqualTo("vdz");
        assertThat(vd.diskName(26)).isEqualTo("vdaa");
        assertThat(vd.diskName(701)).isEqualTo("vdzz");
        assertThat(vd.diskName(702)).isEqualTo("vdaaa");
        assertThat(vd.diskName(DiskIndexes.MAX_INDEXES - 1)).isEqualTo("vdcrxp");
    }

    @Test
    void aRemovedDisksIndexMinorsAndNameAreReusedByTheNextProbe() {
        for (int i = 0; i < 3; i++) {
            on(() -> vd.allocIndex(Gfp.NOIO));
        }
        assertThat(on(() -> vd.freeIndex(1))).isZero();
        int next = on(() -> vd.allocIndex(Gfp.NOIO));
        assertThat(next).isEqualTo(1);
        assertThat(DiskIndexes.indexToMinor(next)).isEqualTo(16);
        assertThat(vd.diskName(next)).isEqualTo("vdb");
    }

    @Test
    void theMinorSpaceRunsOutWithEnospc() {
        DiskIndexes few = new DiskIndexes(kernel, "vd");
        int last = DiskIndexes.MAX_INDEXES - 1;
        // Fill the top of the range directly, then the last free index is handed out and the next fails.
        on(() -> {
            for (int i = 0; i < DiskIndexes.MAX_INDEXES - 1; i++) {
                few.ida().simpleGet(0, DiskIndexes.MAX_INDEXES, Gfp.NOIO);
            }
            return null;
        });
        assertThat(on(() -> few.allocIndex(Gfp.NOIO))).isEqualTo(last);
        assertThat(on(() -> few.allocIndex(Gfp.NOIO))).isEqualTo(Errno.ENOSPC.negative());
        assertThat(DiskIndexes.indexToMinor(last) + (1 << DiskIndexes.PART_BITS)).isEqualTo(1 << Gendisk.MINORBITS);
    }

    @Test
    void freeingAnIndexTwiceWarns() {
        int index = on(() -> vd.allocIndex(Gfp.NOIO));
        assertThat(on(() -> vd.freeIndex(index))).isZero();
        assertThat(on(() -> vd.freeIndex(index))).isEqualTo(Errno.EINVAL.negative());
        assertThat(vd.ida().warnings()).isEqualTo(1);
    }

    @Test
    void rejectsBadPrefixesAndIndexes() {
        assertThatThrownBy(() -> new DiskIndexes(kernel, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DiskIndexes(kernel, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskIndexes.diskName("vd", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DiskIndexes.diskName("x".repeat(30), 26)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DISK_NAME_LEN");
        assertThat(new DiskIndexes(kernel, "sd", Ida.Config.defaults()).diskName(0)).isEqualTo("sda");
    }
}
