package dev.mybrd.workload;

import dev.mybrd.block.BlkStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters every job of a run adds to, read by the progress monitor while the run goes on and
 * summed into the {@link IoResult} at the end; and the first {@link IoResult#MAX_PROBLEMS} problems.
 */
final class Tally {
    final LongAdder submitted = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder discards = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder lost = new LongAdder();
    final LongAdder doubled = new LongAdder();
    final LongAdder wrongData = new LongAdder();
    final LongAdder wrongSectors = new LongAdder();
    final LongAdder verifiedSectors = new LongAdder();
    final LongAdder oopses = new LongAdder();
    final LongAdder notIssued = new LongAdder();
    final LongAdder lateCompletions = new LongAdder();
    /** Set by a job the run bound stopped. */
    volatile boolean stopped;
    private final Map<BlkStatus, LongAdder> failed = new EnumMap<>(BlkStatus.class);
    private final List<IoResult.Problem> problems = new ArrayList<>();

    Tally() {
        for (BlkStatus s : BlkStatus.values()) {
            failed.put(s, new LongAdder());
        }
    }

    void failed(BlkStatus status) {
        failed.get(status).increment();
    }

    /** Failures by status, without the statuses that never occurred. */
    Map<BlkStatus, Long> failedByStatus() {
        Map<BlkStatus, Long> m = new EnumMap<>(BlkStatus.class);
        failed.forEach((s, n) -> {
            if (n.sum() > 0) {
                m.put(s, n.sum());
            }
        });
        return m;
    }

    /** Operations that have met their fate: completed, lost, or never to be issued. */
    long done() {
        return completed.sum() + lost.sum() + notIssued.sum();
    }

    synchronized void problem(IoResult.Kind kind, String text) {
        if (problems.size() < IoResult.MAX_PROBLEMS) {
            problems.add(new IoResult.Problem(kind, text));
        }
    }

    synchronized List<IoResult.Problem> problems() {
        return List.copyOf(problems);
    }
}
