package dev.mybrd.block;

/**
 * Seeded bugs of the per-CPU statistics ({@link PartStat}): documented breaks of the protocol of
 * spec section 3.4, each switched on explicitly. The default statistics have none.
 */
public enum StatBug {
    /**
     * The I/O is accounted outside {@code part_stat_lock()}: the CPU is taken from
     * {@code smp_processor_id()} while the task is still preemptible, as the tutorial's v2.6.11
     * {@code __disk_stat_add(disk, field, n)} does when it is called without preemption disabled
     * (spec 3.4, classic race (a)). The variant makes the preemption explicit: inside the
     * {@code ios[rw] += 1} of {@code generic_start_io_acct}, between its load and its store, the task
     * is moved to the next CPU, and the store then lands in the copy of the CPU it left, which another
     * task may be updating by now. One of two concurrent updates is lost (P19), and a counter can go
     * backwards under a reader (P20). (On x86 a {@code +=} on memory is one instruction and cannot be
     * preempted half way, but the two CPUs' non-atomic adds still race; on load/store architectures
     * the preemption can fall exactly there.)
     */
    UPDATE_WITHOUT_GET_CPU
}
