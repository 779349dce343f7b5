package dev.mybrd.kernel;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The kernel log ({@code printk}), kept as the last {@value #CAPACITY} lines so that an error
 * status can be explained the way the kernel explains it ("attempt to access beyond end of device").
 */
public final class Printk {
    static final int CAPACITY = 256;
    private final ArrayDeque<String> lines = new ArrayDeque<>();

    /** Appends a line, dropping the oldest beyond the capacity. */
    public synchronized void log(String line) {
        if (lines.size() == CAPACITY) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    /** The lines logged so far, oldest first. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
