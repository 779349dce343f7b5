package dev.mybrd.race;

import java.util.Locale;

/** What a race does to the system when it strikes, as the kernel's bug reports describe it. */
public enum Symptom {
    /** A task or the device stops making progress for good (I/O hang, stuck queue). */
    HANG,
    /** A sleeper is never woken although its condition became true. */
    LOST_WAKEUP,
    /** A bio or request is never completed. */
    LOST_COMPLETION,
    /** A bio or request is completed twice. */
    DOUBLE_COMPLETION,
    /** Memory is used after it was freed. */
    USE_AFTER_FREE,
    /** A tag (or id) is never given back, or given to two owners. */
    TAG_LEAK,
    /** Data written is lost or a read returns data nobody wrote. */
    CORRUPTION,
    /** An I/O reports the wrong status: an error for an I/O that should succeed, or the reverse. */
    WRONG_STATUS,
    /** A statistic is wrong (negative in-flight count, a count that never returns to 0). */
    ACCOUNTING,
    /** The kernel stops itself ({@code BUG_ON}, NULL dereference, "scheduling while atomic"). */
    CRASH,
    /** A plain access races with another CPU's write: what a data-race detector (KCSAN) reports. */
    DATA_RACE;

    /** The lab's spelling, e.g. {@code lost-wakeup}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
