package dev.mybrd.mqrq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.KernelBug;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The request life cycle and the timeout handler one step at a time, in every scheme. */
class BlkMqRqTest {
    @ParameterizedTest
    @EnumSource(TimeoutScheme.class)
    void completionEndsEachUseOnceAndFreesTheTag(TimeoutScheme s) {
        BlkMqRq q = new BlkMqRq(s, 2, 2);
        q.issue(1);
        assertThat(q.tagBusy()).isTrue();
        q.deviceInterrupt(1, 1);
        assertThat(q.audit().endedBy(1)).isEqualTo("completion");
        assertThat(q.tagBusy()).isFalse();
        q.issue(2);
        q.deviceInterrupt(0, 2);
        assertThat(q.audit().ends(2)).isOne();
        assertThat(q.audit().violationsAtRest()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TimeoutScheme.class)
    void anOverdueRequestIsAbortedOnceAndItsLateInterruptIsDropped(TimeoutScheme s) {
        BlkMqRq q = new BlkMqRq(s, 2, 2);
        q.issue(1);
        q.setJiffies(2);
        new BlkMqTimeout(q, TimeoutAnswer.ABORT).run(0);
        assertThat(q.audit().endedBy(1)).isEqualTo("timeout");
        assertThat(q.tagBusy()).isFalse();
        q.deviceInterrupt(1, 1);
        assertThat(q.audit().ends(1)).isOne();
        assertThat(q.audit().violationsAtRest()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TimeoutScheme.class)
    void aResetTimerLeavesTheRequestToItsCompletion(TimeoutScheme s) {
        BlkMqRq q = new BlkMqRq(s, 2, 2);
        q.issue(1);
        q.setJiffies(5);
        new BlkMqTimeout(q, TimeoutAnswer.RESET_TIMER).run(0);
        assertThat(q.audit().ends(1)).isZero();
        assertThat(q.request().deadline()).isEqualTo(7);
        q.deviceInterrupt(1, 1);
        assertThat(q.audit().endedBy(1)).isEqualTo("completion");
        assertThat(q.audit().violationsAtRest()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TimeoutScheme.class)
    void aRequestWithinItsDeadlineIsLeftAlone(TimeoutScheme s) {
        BlkMqRq q = new BlkMqRq(s, 2, 2);
        q.issue(1);
        q.setJiffies(1);
        new BlkMqTimeout(q, TimeoutAnswer.ABORT).run(0);
        new BlkMqTimeout(q, TimeoutAnswer.ABORT).run(0);
        assertThat(q.audit().ends(1)).isZero();
        assertThat(q.audit().violations()).isEmpty();
        new BlkMqTimeout(new BlkMqRq(s, 1, 1), TimeoutAnswer.ABORT).run(0); // no busy tag: nothing
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        assertThatThrownBy(() -> new BlkMqRq(TimeoutScheme.REFCOUNT, 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BlkMqRq(null, 2, 2)).isInstanceOf(NullPointerException.class);
        BlkMqRq q = new BlkMqRq(TimeoutScheme.ATOMIC_FLAGS, 2, 2);
        assertThatThrownBy(() -> q.issue(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(q.tagBusy()).isFalse();
        q.setJiffies(3);
        assertThatThrownBy(() -> q.setJiffies(2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(q.jiffies()).isEqualTo(3);
    }

    @Test
    void rcuGracePeriodsAndMisuse() {
        HctxRcu rcu = new HctxRcu(2);
        rcu.synchronizeRcu(0);
        rcu.readLock(1);
        rcu.readLock(1);
        rcu.readUnlock(1);
        rcu.readUnlock(1);
        rcu.synchronizeRcu(0);
        assertThatThrownBy(() -> rcu.readUnlock(1)).isInstanceOf(KernelBug.class);
        rcu.readLock(0);
        assertThatThrownBy(() -> rcu.synchronizeRcu(0)).isInstanceOf(KernelBug.class);
        rcu.readUnlock(0);
    }

    @ParameterizedTest
    @EnumSource(BlkMqTagToRq.Variant.class)
    void aScanBeforeOrAfterAFlushFindsNothingBroken(BlkMqTagToRq.Variant v) {
        BlkMqTagToRq tags = new BlkMqTagToRq(v);
        tags.timeoutScan();
        assertThat(tags.submitFlush()).isZero();
        tags.timeoutScan();
        assertThat(tags.visited()).isZero();
        assertThat(tags.submitFlush()).isZero(); // the tag came back
    }

    @ParameterizedTest
    @EnumSource(BlkMqDispatchWait.Variant.class)
    void theWaitingRequestIsIssuedInEitherOrder(BlkMqDispatchWait.Variant v) {
        BlkMqDispatchWait first = new BlkMqDispatchWait(v);
        first.dispatch();
        assertThat(first.issued()).isZero();
        assertThat(first.stuck()).isNull();     // its entry waits on the tag
        first.otherDeviceCompletes();
        assertThat(first.issued()).isOne();
        BlkMqDispatchWait second = new BlkMqDispatchWait(v);
        second.otherDeviceCompletes();
        second.dispatch();
        assertThat(second.issued()).isOne();
        assertThat(second.stuck()).isNull();
    }
}
