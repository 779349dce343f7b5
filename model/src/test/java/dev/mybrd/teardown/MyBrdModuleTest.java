package dev.mybrd.teardown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The module's reference count and unload, and mybrd's and brd's exit orders. */
class MyBrdModuleTest {
    private final Kernel kernel = new Kernel(2);
    private final BdevMap map = new BdevMap(kernel);

    private MyBrdModule load(MyBrdModule.Order order) {
        return kernel.runOn(0, "insmod", () -> {
            MyBrdModule m = new MyBrdModule(kernel, map, order);
            m.preload(0, 7);
            return m;
        });
    }

    @Test
    void aModuleInUseCannotBeUnloadedAndAGoingModuleCannotBeTaken() {
        Module m = new Module("m");
        AtomicBoolean exited = new AtomicBoolean();
        assertThat(m.tryModuleGet()).isTrue();
        assertThat(m.users()).isEqualTo(1);
        assertThat(m.deleteModule(() -> exited.set(true))).isEqualTo(Errno.EAGAIN.negative());
        assertThat(m.state()).isEqualTo(Module.State.LIVE);
        assertThat(exited).isFalse();
        m.modulePut();
        assertThat(m.deleteModule(() -> {
            assertThat(m.state()).isEqualTo(Module.State.GOING);
            assertThat(m.tryModuleGet()).isFalse();
            exited.set(true);
        })).isZero();
        assertThat(exited).isTrue();
        assertThat(m.freed()).isTrue();
        assertThat(m.deleteModule(() -> { })).isEqualTo(Errno.EBUSY.negative());
        assertThatThrownBy(() -> m.checkMemory("sym", "fn")).isInstanceOf(KernelBug.class)
                .hasMessageContaining("paging request in fn");
        assertThatThrownBy(m::modulePut).isInstanceOf(KernelBug.class);
    }

    @Test
    void bothOrdersReadTheDiskWhileLoaded() {
        for (MyBrdModule.Order order : MyBrdModule.Order.values()) {
            MyBrdModule m = new MyBrdModuleTest().load(order);
            assertThat(m.kernel().runOn(1, "dd", m::openReadClose)).isEqualTo(7);
            assertThat(m.module().users()).isZero();
        }
    }

    @Test
    void mybrdsOrderLeavesTheDiskPublishedAndTheNextOpenReadsFreedModuleMemory() {
        MyBrdModule m = load(MyBrdModule.Order.MYBRD_MASTER);
        assertThat(kernel.runOn(0, "rmmod", m::rmmod)).isZero();
        assertThat(m.disk().up()).isTrue();
        assertThat(m.pagesAllocated()).as("pages never freed").isEqualTo(1);
        assertThatThrownBy(() -> kernel.runOn(1, "dd", m::openReadClose)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("get_disk").hasMessageContaining("use-after-free");
    }

    @Test
    void brdsOrderUnpublishesFirstAndFreesEverything() {
        MyBrdModule m = load(MyBrdModule.Order.BRD_V4_4);
        assertThat(kernel.runOn(0, "rmmod", m::rmmod)).isZero();
        assertThat(m.disk().up()).isFalse();
        assertThat(m.disk().freed()).as("put_disk dropped the last reference").isTrue();
        assertThat(m.queueFrozen()).isTrue();
        assertThat(m.pagesAllocated()).isZero();
        assertThat(kernel.runOn(1, "dd", m::openReadClose)).isEqualTo(Errno.ENXIO.negative());
    }

    @Test
    void rmmodFailsWhileTheDiskIsOpenInEitherOrder() {
        for (MyBrdModule.Order order : MyBrdModule.Order.values()) {
            MyBrdModuleTest t = new MyBrdModuleTest();
            MyBrdModule m = t.load(order);
            DiskDevice open = t.kernel.runOn(1, "dd", () -> t.map.getGendisk(MyBrdModule.DEVT));
            assertThat(open).isNotNull();
            assertThat(t.kernel.runOn(0, "rmmod", m::rmmod)).isEqualTo(Errno.EAGAIN.negative());
            t.kernel.runOn(1, "dd", open::putDiskAndModule);
            assertThat(t.kernel.runOn(0, "rmmod", m::rmmod)).isZero();
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> new MyBrdModule(kernel, map, null)).isInstanceOf(IllegalArgumentException.class);
        kernel.runOn(0, "t", () -> {
            DiskDevice d = new DiskDevice("x", new Module("x"), null);
            map.blkRegisterRegion(1, d);
            assertThatThrownBy(() -> map.blkRegisterRegion(1, d)).isInstanceOf(IllegalStateException.class);
        });
    }
}
