package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.Kernel;
import org.junit.jupiter.api.Test;

class InjectionTest {
    @Test
    void parsesAnySubsetInAnyOrder() {
        Injection i = Injection.parse("timeout=1000,fail=7");
        assertThat(i).isEqualTo(new Injection(7, 1000, 0, 0));
        assertThat(i.fires(Injection.Kind.FAIL, 14)).isTrue();
        assertThat(i.fires(Injection.Kind.FAIL, 15)).isFalse();
        assertThat(i.fires(Injection.Kind.REQUEUE, 1000)).isFalse();
        assertThat(Injection.parse("")).isEqualTo(Injection.none());
        assertThat(i.toString()).isEqualTo("fail=7,timeout=1000");
    }

    @Test
    void badSpecsAreEinval() {
        assertThatThrownBy(() -> Injection.parse("oops=3")).hasMessageContaining("unknown key 'oops'");
        assertThatThrownBy(() -> Injection.parse("fail=-1")).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> Injection.parse("fail=x")).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> Injection.parse("fail=1,fail=2")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> Injection.parse("fail")).hasMessageContaining("key=N");
    }

    @Test
    void modesParseAndBioModeRefusesAnIrqMode() {
        assertThat(QueueMode.parse("rq")).isEqualTo(QueueMode.RQ);
        assertThat(IrqMode.parse("softirq")).isEqualTo(IrqMode.SOFTIRQ);
        assertThatThrownBy(() -> QueueMode.parse("blk")).hasMessageContaining("-EINVAL");
        assertThatThrownBy(() -> MyBrd.Config.defaults().withIrqMode(IrqMode.SOFTIRQ))
                .hasMessageContaining("needs queue_mode rq or mq");
        assertThat(new MyBrd(new Kernel(2)).config().queueMode()).isEqualTo(QueueMode.BIO);
    }
}
