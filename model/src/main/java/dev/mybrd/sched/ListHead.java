package dev.mybrd.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct list_head} of {@code include/linux/list.h}: a node of a circular doubly-linked list.
 * A list is reached through a head node that belongs to no entry; an empty list, and a node on no
 * list after {@code list_del_init}, point to themselves.
 *
 * <p><b>Ordering.</b> Writers hold the lock of the list (here: the wait-queue lock). Two readers do
 * not: {@code waitqueue_active()} reads the head's {@code next}, and {@code finish_wait()} reads a
 * node's {@code next} and {@code prev} ({@code list_empty_careful}). v4.4's C uses plain accesses
 * here (v4.5 turned them into {@code READ_ONCE}/{@code WRITE_ONCE}); the model uses opaque, the Java
 * mode that keeps the JIT from caching or inventing a racy read but adds no hardware ordering, so
 * every reordering the kernel allows stays possible.
 */
final class ListHead {
    private static final VarHandle NEXT;
    private static final VarHandle PREV;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NEXT = l.findVarHandle(ListHead.class, "next", ListHead.class);
            PREV = l.findVarHandle(ListHead.class, "prev", ListHead.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The structure this node is embedded in ({@code container_of}), or null for a list head. */
    private final Object owner;
    @SuppressWarnings("unused") private ListHead next;
    @SuppressWarnings("unused") private ListHead prev;

    /** {@code INIT_LIST_HEAD}: a node linked to itself, inside {@code owner} (null for a head). */
    ListHead(Object owner) {
        this.owner = owner;
        initListHead();
    }

    Object owner() {
        return owner;
    }

    ListHead next() {
        return (ListHead) NEXT.getOpaque(this);
    }

    ListHead prev() {
        return (ListHead) PREV.getOpaque(this);
    }

    /** {@code INIT_LIST_HEAD(list)}. */
    private void initListHead() {
        NEXT.setOpaque(this, this);
        PREV.setOpaque(this, this);
    }

    /** {@code list_add(new, head)}: inserts {@code node} right after this head (a stack). */
    void listAdd(ListHead node) {
        listAddBetween(node, this, next());
    }

    /** {@code list_add_tail(new, head)}: inserts {@code node} right before this head (a queue). */
    void listAddTail(ListHead node) {
        listAddBetween(node, prev(), this);
    }

    /** {@code __list_add}: the store to {@code prev->next} comes last, as in C. */
    private static void listAddBetween(ListHead node, ListHead prev, ListHead next) {
        PREV.setOpaque(next, node);
        NEXT.setOpaque(node, next);
        PREV.setOpaque(node, prev);
        NEXT.setOpaque(prev, node);
    }

    /** {@code list_del_init(entry)}: unlinks this node and points it to itself again. */
    void listDelInit() {
        ListHead prev = prev();
        ListHead next = next();
        PREV.setOpaque(next, prev);
        NEXT.setOpaque(prev, next);
        initListHead();
    }

    /** {@code list_empty(head)}: for a node, "is on no list". One lockless read of {@code next}. */
    boolean listEmpty() {
        return next() == this;
    }

    /**
     * {@code list_empty_careful(head)}: both links point back here, so no other CPU is half-way
     * through unlinking the node. Safe without the lock only if every writer takes it.
     */
    boolean listEmptyCareful() {
        ListHead next = next();
        return next == this && next == prev();
    }

    /**
     * The owners of the nodes of the list this head starts, head to tail. The caller holds the lock
     * of the list; a walk longer than {@code limit} nodes means the list is corrupt (a node linked
     * twice), which {@code CONFIG_DEBUG_LIST} would report.
     */
    List<Object> owners(int limit) {
        List<Object> out = new ArrayList<>();
        for (ListHead n = next(); n != this; n = n.next()) {
            if (out.size() == limit) {
                throw new dev.mybrd.kernel.KernelBug("list corruption: more than " + limit + " nodes after " + this);
            }
            out.add(n.owner);
        }
        return out;
    }
}
