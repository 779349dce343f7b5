package dev.mybrd.lkmm;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * A few shared memory locations seen through x86-TSO store buffers, explicitly: the memory model that
 * lets the store-buffering (SB) races of the race catalog (KR-01, KR-10, KR-11) happen under a model
 * checker that itself runs every step sequentially consistently.
 *
 * <p><b>The model (x86-TSO, as in Sewell et al. and herd7's x86 model).</b> Each CPU has a FIFO store
 * buffer. A plain or {@code WRITE_ONCE} store goes into the storing CPU's buffer. A load
 * ({@code READ_ONCE}) returns the newest value that CPU has buffered for the location, else the value
 * in memory: a CPU sees its own stores at once, other CPUs only once the store has left the buffer.
 * {@link #smpMb} ({@code smp_mb()}, {@code MFENCE}) and every locked read-modify-write (x86's atomic
 * instructions, {@code spin_lock}) first drain the CPU's buffer to memory in order. A store may
 * also leave the buffer at any other time; the model lets it leave at the points its users call
 * {@link #drain} (at the latest when a code path ends), which is enough to reach every SB outcome:
 * a load that runs while the other CPU's store is still buffered reads the old value.
 *
 * <p>So the "both miss" outcome of SB ({@code x = 1; r1 = y} on one CPU, {@code y = 1; r2 = x} on the
 * other, {@code r1 == r2 == 0}) is reachable exactly when neither side drains between its store and
 * its load, and a full barrier on one side removes only the interleavings where that side's store
 * stays buffered.
 *
 * <p>Locations are named after the kernel fields they stand for ({@code "bt->depth"}), so a model
 * checker's trace reads {@code mem.store(0, "bt->depth", 2)}. Every access is {@code synchronized} on
 * this object, so a model checker sees each load, store and drain as one step, the way the hardware
 * performs each of them atomically.
 */
public final class StoreBuffers {
    private final String[] names;
    private final int[] memory;
    private final ArrayDeque<int[]>[] buffers;

    /**
     * @param nrCpus CPUs, each with its own buffer
     * @param names the locations, all 0 at first
     */
    @SuppressWarnings("unchecked")
    public StoreBuffers(int nrCpus, String... names) {
        if (nrCpus < 1 || names.length == 0) {
            throw new IllegalArgumentException("need at least one CPU and one location");
        }
        this.names = names.clone();
        this.memory = new int[names.length];
        this.buffers = new ArrayDeque[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            buffers[i] = new ArrayDeque<>();
        }
    }

    /** The index of the location called {@code name}. */
    private int location(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no location " + name + " in " + Arrays.toString(names));
    }

    /** Sets a location in memory before any CPU runs (an initialiser, not a store). */
    public synchronized void init(String loc, int value) {
        memory[location(loc)] = value;
    }

    /** {@code WRITE_ONCE(*loc, value)} on {@code cpu}: into its store buffer. */
    public synchronized void store(int cpu, String loc, int value) {
        buffers[cpu].addLast(new int[] {location(loc), value});
    }

    /** {@code READ_ONCE(*loc)} on {@code cpu}: its own newest buffered store, else memory. */
    public synchronized int load(int cpu, String name) {
        int loc = location(name);
        Iterator<int[]> newestFirst = buffers[cpu].descendingIterator();
        while (newestFirst.hasNext()) {
            int[] s = newestFirst.next();
            if (s[0] == loc) {
                return s[1];
            }
        }
        return memory[loc];
    }

    /** {@code smp_mb()} on {@code cpu}: its buffered stores reach memory, oldest first. */
    public synchronized void smpMb(int cpu) {
        drain(cpu);
    }

    /**
     * A locked read-modify-write on {@code cpu} ({@code test_and_set_bit}, {@code xchg},
     * {@code spin_lock}): drains the buffer, then adds {@code delta} in memory; returns the old value.
     */
    public synchronized int lockedAdd(int cpu, String name, int delta) {
        int loc = location(name);
        drain(cpu);
        int old = memory[loc];
        memory[loc] = old + delta;
        return old;
    }

    /** The hardware retiring every store {@code cpu} has buffered (done at the latest when its path ends). */
    public synchronized void drain(int cpu) {
        while (!buffers[cpu].isEmpty()) {
            int[] s = buffers[cpu].removeFirst();
            memory[s[0]] = s[1];
        }
    }

    /** What memory holds now (buffers not included). */
    public synchronized int memory(String loc) {
        return memory[location(loc)];
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("memory{");
        for (int i = 0; i < names.length; i++) {
            b.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(memory[i]);
        }
        b.append('}');
        for (int c = 0; c < buffers.length; c++) {
            if (!buffers[c].isEmpty()) {
                b.append(" cpu").append(c).append(" buffers ");
                buffers[c].forEach(s -> b.append(names[s[0]]).append('=').append(s[1]).append(' '));
            }
        }
        return b.toString().trim();
    }
}
