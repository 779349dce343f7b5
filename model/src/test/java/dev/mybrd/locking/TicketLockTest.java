package dev.mybrd.locking;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TicketLockTest {
    @Test
    void ticketsAreServedInTheOrderTheyWereTaken() {
        TicketLock l = new TicketLock("l");
        int first = l.takeTicket();
        int second = l.takeTicket();
        int third = l.takeTicket();
        assertThat(new int[] {first, second, third}).containsExactly(0, 1, 2);
        l.waitForTicket(first); // head = 0: served at once
        assertThat(l.isLocked()).isTrue();
        assertThat(l.isContended()).isTrue();
        assertThat(l.trylock()).isFalse();
        l.unlock();
        l.waitForTicket(second);
        l.unlock();
        l.waitForTicket(third);
        assertThat(l.isContended()).isFalse();
        l.unlock();
        assertThat(l.isLocked()).isFalse();
        assertThat(l).hasToString("head=3 tail=3");
    }

    @Test
    void trylockTakesTheNextTicketOnlyWhenFree() {
        TicketLock l = new TicketLock("l");
        assertThat(l.trylock()).isTrue();
        assertThat(l.trylock()).isFalse();
        l.unlock();
        l.lock();
        assertThat(l).hasToString("head=1 tail=2");
        l.unlock();
    }

    @Test
    void theUnlockedXaddTakesTicketsLikeXaddWhenAlone() {
        TicketLock l = new UnlockedXaddTicketLock("l");
        assertThat(l.takeTicket()).isZero();
        assertThat(l.takeTicket()).isEqualTo(1);
    }

    @Test
    void cmpxchgLockIsZeroOrOne() {
        CmpxchgLock l = new CmpxchgLock("l");
        assertThat(l.trylock()).isTrue();
        assertThat(l.trylock()).isFalse();
        assertThat(l.isLocked()).isTrue();
        l.unlock();
        l.lock();
        assertThat(l).hasToString("val=1");
        l.unlock();
        assertThat(l.isLocked()).isFalse();
    }
}
