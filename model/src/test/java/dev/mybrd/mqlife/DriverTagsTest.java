package dev.mybrd.mqlife;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import org.junit.jupiter.api.Test;

/** Driver tags shared by two queues' request pools, one task at a time (KR-15's objects). */
class DriverTagsTest {
    private final Kernel kernel = new Kernel(2);

    private Request completedOn(DriverTags tags, RequestPool pool) {
        Request rq = pool.staticRq(0);
        rq.init("t");
        int tag = tags.getDriverTag(rq);
        assertThat(tag).isZero();
        rq.start("t");
        rq.finish("t");
        tags.putDriverTag(tag);
        return rq;
    }

    @Test
    void aPutTagKeepsItsStalePointer() {
        DriverTags tags = new DriverTags(kernel, 2, DriverTags.Variant.REF_WITHOUT_CLEAR);
        Request a = completedOn(tags, new RequestPool("qA", 1));
        assertThat(tags.tagToRq(0)).isSameAs(a);
        assertThat(kernel.runOn(0, "it", () -> tags.busyIter(rq -> { }))).as("no bit set").isZero();
    }

    @Test
    void theIteratorSeesStartedRequestsWithAReferenceAndGivesItBack() {
        for (DriverTags.Variant v : DriverTags.Variant.values()) {
            DriverTags tags = new DriverTags(kernel, 2, v);
            Request b = new RequestPool("qB", 1).staticRq(0);
            b.init("t");
            tags.getDriverTag(b);
            b.start("t");
            int[] refs = {0};
            int seen = kernel.runOn(0, "it", () -> tags.busyIter(rq -> refs[0] = rq.refcount()));
            assertThat(seen).as(v.name()).isEqualTo(1);
            assertThat(refs[0]).as("the iterator holds a reference in fn").isEqualTo(2);
            assertThat(b.refcount()).isEqualTo(1);
        }
    }

    @Test
    void freeingAPoolClearsStalePointersOnlyAfterTheFix() {
        DriverTags before = new DriverTags(kernel, 1, DriverTags.Variant.REF_WITHOUT_CLEAR);
        RequestPool poolA = new RequestPool("qA", 1);
        Request a = completedOn(before, poolA);
        kernel.runOn(0, "rm", () -> poolA.freeRqs(before));
        assertThat(a.freed()).isTrue();
        assertThat(before.tagToRq(0)).as("stale pointer to freed memory").isSameAs(a);

        DriverTags after = new DriverTags(kernel, 1, DriverTags.Variant.CLEAR_STALE_UNDER_LOCK);
        RequestPool poolA2 = new RequestPool("qA", 1);
        completedOn(after, poolA2);
        kernel.runOn(0, "rm", () -> poolA2.freeRqs(after));
        assertThat(after.tagToRq(0)).isNull();
    }

    @Test
    void touchingAFreedRequestIsKasansUseAfterFree() {
        RequestPool pool = new RequestPool("qA", 2);
        Request rq = pool.staticRq(1);
        kernel.runOn(0, "rm", () -> pool.freeRqs(new DriverTags(kernel, 1, DriverTags.Variant.REF_WITHOUT_CLEAR)));
        assertThatThrownBy(() -> rq.refcountIncNotZero("bt_tags_iter")).isInstanceOf(KernelBug.class)
                .hasMessageStartingWith("BUG: KASAN: use-after-free in bt_tags_iter");
        assertThatThrownBy(() -> kernel.runOn(0, "rm", () -> pool.freeRqs(
                new DriverTags(kernel, 1, DriverTags.Variant.REF_WITHOUT_CLEAR))))
                .isInstanceOf(KernelBug.class).hasMessageContaining("double-free");
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> new DriverTags(kernel, 0, DriverTags.Variant.REF_WITHOUT_CLEAR))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DriverTags(kernel, 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RequestPool("q", 0)).isInstanceOf(IllegalArgumentException.class);
        DriverTags tags = new DriverTags(kernel, 1, DriverTags.Variant.REF_WITHOUT_CLEAR);
        assertThatThrownBy(() -> tags.putDriverTag(0)).isInstanceOf(KernelBug.class);
        assertThatThrownBy(() -> tags.tagToRq(1)).isInstanceOf(IllegalArgumentException.class);
        Request rq = new RequestPool("q", 1).staticRq(0);
        assertThat(tags.getDriverTag(rq)).isZero();
        assertThat(tags.getDriverTag(rq)).as("all taken").isEqualTo(-1);
    }
}
