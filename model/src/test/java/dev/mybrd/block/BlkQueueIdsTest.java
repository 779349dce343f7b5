package dev.mybrd.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Gfp;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class BlkQueueIdsTest {
    private static final int ENOMEM = Errno.ENOMEM.negative();
    private final Kernel kernel = new Kernel(2);

    private <T> T on(Callable<T> body) {
        return kernel.runOn(0, "modprobe", body);
    }

    @Test
    void queuesGetTheLowestFreeIdAndGiveItBackOnRelease() {
        BlkQueueIds ids = new BlkQueueIds(kernel);
        assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> 0))).isZero();
        assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> 0))).isEqualTo(1);
        assertThat(on(() -> ids.releaseQueueId(0))).isZero();
        assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> 0))).isZero();
        assertThat(ids.ida().allocatedIds()).containsExactly(0, 1);
    }

    @Test
    void aFailedSetUpGivesTheIdBack() {
        BlkQueueIds ids = new BlkQueueIds(kernel);
        for (int i = 0; i < 5; i++) {
            assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> ENOMEM))).isEqualTo(ENOMEM);
        }
        assertThat(ids.ida().allocatedIds()).isEmpty();
        assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> 0))).isZero();
    }

    @Test
    void seededLeakOnTheErrorPathKeepsIdsOfQueuesThatNeverExisted() {
        BlkQueueIds ids = new BlkQueueIds(kernel, Ida.Config.defaults().withBug(IdaBug.QUEUE_ID_LEAK_ON_ERROR));
        for (int i = 0; i < 5; i++) {
            on(() -> ids.allocQueueId(Gfp.NOIO, () -> ENOMEM));
        }
        assertThat(ids.ida().allocatedIds()).containsExactly(0, 1, 2, 3, 4);
        assertThat(on(() -> ids.allocQueueId(Gfp.NOIO, () -> 0))).isEqualTo(5);
    }

    @Test
    void rejectsBadSetUpAnswers() {
        BlkQueueIds ids = new BlkQueueIds(kernel);
        assertThatThrownBy(() -> on(() -> ids.allocQueueId(Gfp.NOIO, null))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> on(() -> ids.allocQueueId(Gfp.NOIO, () -> 3))).isInstanceOf(IllegalArgumentException.class);
        assertThat(on(() -> ids.releaseQueueId(7))).isEqualTo(Errno.EINVAL.negative());
    }
}
