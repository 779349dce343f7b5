package dev.mybrd.rcu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import org.junit.jupiter.api.Test;

/** RcuPointer's accessors and their lockdep-RCU checks; RcuObject's free poisoning. */
class RcuPointerTest {
    private final Kernel kernel = new Kernel(2);
    private final Rcu rcu = new Rcu(kernel);

    @Test
    void aReaderSeesWhatWasAssigned() {
        RcuPointer<RcuObject> gp = new RcuPointer<>(null);
        assertThat(gp.accessPointer()).isNull();
        RcuObject foo = new RcuObject(7);
        gp.assign(foo);
        kernel.runOn(1, "reader", () -> {
            rcu.readLock();
            assertThat(gp.dereference(rcu).a()).isEqualTo(7);
            rcu.readUnlock();
        });
        assertThat(gp.dereferenceProtected(true)).isSameAs(foo);
    }

    @Test
    void dereferenceOutsideASectionAndProtectedWithoutTheLockAreReported() {
        RcuPointer<RcuObject> gp = new RcuPointer<>(new RcuObject(1));
        kernel.runOn(0, "reader", () -> assertThatThrownBy(() -> gp.dereference(rcu))
                .isInstanceOf(SuspiciousRcuUsage.class).hasMessageContaining("rcu_dereference_check"));
        assertThatThrownBy(() -> gp.dereferenceProtected(false)).isInstanceOf(SuspiciousRcuUsage.class)
                .hasMessageContaining("rcu_dereference_protected");
    }

    @Test
    void onlyPlainPublishIsAPointerBug() {
        RcuPointer<String> plain = RcuPointer.seeded(RcuBug.PLAIN_PUBLISH, "a");
        plain.assign("b");
        assertThat(plain.dereference()).isEqualTo("b");
        assertThatThrownBy(() -> RcuPointer.seeded(RcuBug.DONE_SEGMENT_NOT_SPLICED, "a"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFreedObjectReadsAsPoisonAndCannotBeFreedTwice() {
        RcuObject foo = new RcuObject(5);
        foo.kfree();
        assertThat(foo.a()).isEqualTo(RcuObject.POISON_FREE);
        assertThat(foo.freed()).isTrue();
        assertThatThrownBy(foo::kfree).isInstanceOf(KernelBug.class).hasMessageContaining("double free");
    }

    @Test
    void kfreeRcuFreesAfterAGracePeriod() {
        RcuObject foo = new RcuObject(5);
        kernel.runOn(0, "updater", () -> foo.kfreeRcu(rcu));
        assertThat(foo.freed()).isFalse();
        kernel.runOn(1, "barrier", rcu::rcuBarrier);
        assertThat(foo.freed()).isTrue();
    }
}
