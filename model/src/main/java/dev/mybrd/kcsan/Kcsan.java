package dev.mybrd.kcsan;

import dev.mybrd.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A data-race detector in the manner of KCSAN ({@code kernel/kcsan/core.c}, v5.8 and later; v4.4 has
 * no such tool, so this is a later kernel's checker run on the v4.4 model): watchpoints on plain
 * accesses, checked by every other access to the same memory.
 *
 * <p><b>Algorithm.</b> A plain (unmarked) read of a watched field, {@link #readPlain}, loads the
 * value, installs a watchpoint in one of a few slots ({@code watchpoints[]}, {@value #SLOTS} here,
 * chosen by the field), stays a while (KCSAN's {@code udelay}; in the model the window is the accesses
 * between installing and removing the watchpoint, where another CPU can run), loads the value again
 * and removes the watchpoint. Every write to a watched field, plain or marked ({@link #write}: an
 * {@code atomic} or {@code WRITE_ONCE} store is still a write), looks for a watchpoint on the same
 * field of the same object set by another CPU and, if it finds one, consumes it. The reader reports a
 * data race when its watchpoint was consumed or the value changed under it. A read that finds its
 * slot taken is not watched (KCSAN skips it as well): the detector may miss races, never invent them.
 *
 * <p><b>What counts as a race</b> (the LKMM's definition): two accesses to the same memory from
 * different CPUs, at least one a write, at least one plain, neither ordered before the other. A lock
 * held by the writer alone does not order the reader's access; only a lock both hold would.
 *
 * <p>Reports go to dmesg ("BUG: KCSAN: data-race in reader / writer", as KCSAN words them) and are
 * kept for the checks ({@link #reports}). KCSAN itself only prints; nothing here throws.
 */
public final class Kcsan {
    /** Watchpoint slots ({@code CONFIG_KCSAN_NUM_WATCHPOINTS} is 64; the model watches a few fields). */
    static final int SLOTS = 4;

    /** One watchpoint: a plain read of {@code field} of {@code object} by {@code cpu} in {@code function}. */
    private record Watchpoint(Object object, String field, int cpu, String function, String consumedBy,
                              int consumerCpu) {
        Watchpoint consume(String writer, int writerCpu) {
            return new Watchpoint(object, field, cpu, function, writer, writerCpu);
        }

        boolean consumed() {
            return consumedBy != null;
        }
    }

    private final Kernel kernel;
    private final AtomicReferenceArray<Watchpoint> watchpoints = new AtomicReferenceArray<>(SLOTS);
    private final List<String> reports = new ArrayList<>();

    public Kcsan(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    /**
     * A plain read of {@code field} of {@code object} by {@code function} on this CPU, as KCSAN's
     * compiler instrumentation checks it: the value {@code load} gives, watched while it is read.
     */
    public <T> T readPlain(Object object, String field, String function, Supplier<T> load) {
        T value = load.get();
        int slot = slotOf(field);
        int cpu = kernel.smpProcessorId();
        Watchpoint mine = new Watchpoint(object, field, cpu, function, null, -1);
        if (!watchpoints.compareAndSet(slot, null, mine)) {
            return value; // slot busy: this access goes unwatched
        }
        T again = load.get();
        Watchpoint seen = watchpoints.getAndSet(slot, null);
        if (seen != null && seen.consumed()) {
            report(function, seen.consumedBy(), field, cpu, seen.consumerCpu(), "");
        } else if (!Objects.equals(value, again)) {
            report(function, "<unknown writer>", field, cpu, -1, " (value changed: " + value + " -> " + again + ")");
        }
        return value; // the access itself is the first load; the second only checks it
    }

    /**
     * A write of {@code field} of {@code object} by {@code function} on this CPU (plain or marked): it
     * consumes a watchpoint another CPU set on the same field, which makes that reader report.
     */
    public void write(Object object, String field, String function) {
        int slot = slotOf(field);
        int cpu = kernel.smpProcessorId();
        Watchpoint w = watchpoints.get(slot);
        if (w != null && !w.consumed() && w.object() == object && w.field().equals(field) && w.cpu() != cpu) {
            watchpoints.compareAndSet(slot, w, w.consume(function, cpu));
        }
    }

    private void report(String reader, String writer, String field, int readerCpu, int writerCpu, String more) {
        String line = "BUG: KCSAN: data-race in " + reader + " / " + writer + ": plain read of " + field
                + " on CPU" + readerCpu + " raced with a write" + (writerCpu >= 0 ? " on CPU" + writerCpu : "") + more;
        synchronized (reports) {
            reports.add(line);
        }
        kernel.printk(line);
    }

    /** The data races reported so far, oldest first. */
    public List<String> reports() {
        synchronized (reports) {
            return List.copyOf(reports);
        }
    }

    private static int slotOf(String field) {
        return Math.floorMod(field.hashCode(), SLOTS);
    }
}
