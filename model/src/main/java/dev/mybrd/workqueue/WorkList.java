package dev.mybrd.workqueue;

import dev.mybrd.kernel.KernelBug;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code list_head} of work items threaded through their {@code entry}: a pool's
 * {@code worklist}, a pwq's {@code delayed_works} or a worker's {@code scheduled} list. A work item is
 * on at most one list (invariant Q1); adding one that is already on a list, or removing one from a
 * list it is not on, is the corruption {@code CONFIG_DEBUG_LIST} reports, and the model throws it as
 * a {@link KernelBug} instead of corrupting the lists. The caller holds the owning pool's lock.
 */
final class WorkList {
    private final String name;
    private WorkStruct first;
    private WorkStruct last;
    private int size;

    WorkList(String name) {
        this.name = name;
    }

    /** {@code list_empty(head)}. */
    boolean isEmpty() {
        return first == null;
    }

    /** {@code list_first_entry(head)}, or null. */
    WorkStruct first() {
        return first;
    }

    /** The item after {@code work} on this list, or null at the end. */
    WorkStruct next(WorkStruct work) {
        checkOn(work, "next");
        return work.next;
    }

    int size() {
        return size;
    }

    /** {@code list_add_tail(&work->entry, head)}. */
    void addTail(WorkStruct work) {
        addBefore(null, work);
    }

    /**
     * {@code list_add_tail(&work->entry, pos)}: inserts {@code work} just before {@code pos}, an item
     * of this list; {@code pos} null means the head, i.e. the end of the list.
     */
    void addBefore(WorkStruct pos, WorkStruct work) {
        if (work.entry != null) {
            throw new KernelBug("list_add corruption: " + work + " is already on " + work.entry + ", adding it to " + name);
        }
        if (pos == null) {
            work.prev = last;
            work.next = null;
            if (last == null) {
                first = work;
            } else {
                last.next = work;
            }
            last = work;
        } else {
            checkOn(pos, "insert before");
            work.prev = pos.prev;
            work.next = pos;
            if (pos.prev == null) {
                first = work;
            } else {
                pos.prev.next = work;
            }
            pos.prev = work;
        }
        work.entry = this;
        size++;
    }

    /** {@code list_del_init(&work->entry)}. */
    void remove(WorkStruct work) {
        checkOn(work, "list_del");
        if (work.prev == null) {
            first = work.next;
        } else {
            work.prev.next = work.next;
        }
        if (work.next == null) {
            last = work.prev;
        } else {
            work.next.prev = work.prev;
        }
        work.prev = null;
        work.next = null;
        work.entry = null;
        size--;
    }

    /** {@code list_move_tail(&work->entry, to)}. */
    void moveTail(WorkStruct work, WorkList to) {
        remove(work);
        to.addTail(work);
    }

    /**
     * {@code move_linked_works(work, head, NULL)}: moves {@code work} and every item after it that is
     * linked to it (a run ending with the first item without {@code LINKED}) to the end of {@code to}.
     */
    static void moveLinkedWorks(WorkStruct work, WorkList to) {
        WorkStruct w = work;
        while (w != null) {
            WorkList from = w.entry;
            if (from == null) {
                throw new KernelBug("move_linked_works: " + w + " is on no list");
            }
            WorkStruct n = from.next(w);
            from.moveTail(w, to);
            if ((w.data() & WorkStruct.WORK_STRUCT_LINKED) == 0) {
                break;
            }
            w = n;
        }
    }

    /** The items in order, for assertions and messages. */
    List<WorkStruct> snapshot() {
        List<WorkStruct> out = new ArrayList<>();
        for (WorkStruct w = first; w != null; w = w.next) {
            out.add(w);
        }
        return out;
    }

    private void checkOn(WorkStruct work, String what) {
        if (work.entry != this) {
            throw new KernelBug("list corruption: " + what + " of " + work + " on " + name + ", but it is on "
                    + (work.entry == null ? "no list" : work.entry.toString()));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
