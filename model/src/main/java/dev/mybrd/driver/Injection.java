package dev.mybrd.driver;

import java.util.Locale;

/**
 * Fault injection in the style of null_blk's {@code timeout} and {@code requeue} fault attributes,
 * reduced to "every Nth request": the driver fails, drops (so the block layer's timeout handler
 * has to end it), requeues or answers BUSY for every Nth request it sees. 0 means never.
 *
 * <p>Requests are counted per device in the order the driver receives them, so a run with the same
 * interleaving injects at the same requests.
 *
 * @param failEvery end every Nth request with {@code -EIO}
 * @param timeoutEvery never complete every Nth request; the request timeout ends it
 * @param requeueEvery requeue every Nth request ({@code blk_requeue_request} / {@code blk_mq_requeue_request})
 * @param busyEvery answer BUSY for every Nth request ({@code BLK_MQ_RQ_QUEUE_BUSY}; blk-mq only)
 */
public record Injection(int failEvery, int timeoutEvery, int requeueEvery, int busyEvery) {
    /** What can be injected, in the order of {@link #parse}'s keys. */
    public enum Kind { FAIL, TIMEOUT, REQUEUE, BUSY }

    public Injection {
        check("fail", failEvery);
        check("timeout", timeoutEvery);
        check("requeue", requeueEvery);
        check("busy", busyEvery);
    }

    private static void check(String key, int every) {
        if (every < 0) {
            throw new IllegalArgumentException("inject " + key + " must be >= 0, got " + every + " (-EINVAL)");
        }
    }

    /** No injection. */
    public static Injection none() {
        return new Injection(0, 0, 0, 0);
    }

    /** Whether anything is injected. */
    public boolean any() {
        return failEvery + timeoutEvery + requeueEvery + busyEvery > 0;
    }

    /** Every Nth request for {@code kind}, 0 for never. */
    public int every(Kind kind) {
        return switch (kind) {
            case FAIL -> failEvery;
            case TIMEOUT -> timeoutEvery;
            case REQUEUE -> requeueEvery;
            case BUSY -> busyEvery;
        };
    }

    /** Whether the {@code seq}-th request (counting from 1) gets {@code kind}. */
    public boolean fires(Kind kind, long seq) {
        int n = every(kind);
        return n > 0 && seq > 0 && seq % n == 0;
    }

    /**
     * Parses {@code "fail=7,timeout=1000,requeue=50,busy=500"} (any subset, any order; empty for
     * none). Unknown keys, repeated keys and bad numbers are -EINVAL.
     */
    public static Injection parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("inject: spec is null (-EINVAL)");
        }
        int[] every = new int[Kind.values().length];
        boolean[] seen = new boolean[every.length];
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=", -1);
            if (kv.length != 2) {
                throw new IllegalArgumentException("inject: expected key=N, got '" + part + "' (-EINVAL)");
            }
            Kind kind = kind(kv[0].trim());
            if (seen[kind.ordinal()]) {
                throw new IllegalArgumentException("inject: " + kv[0].trim() + " given twice (-EINVAL)");
            }
            seen[kind.ordinal()] = true;
            every[kind.ordinal()] = number(kv[0].trim(), kv[1].trim());
        }
        return new Injection(every[0], every[1], every[2], every[3]);
    }

    private static Kind kind(String key) {
        for (Kind k : Kind.values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("inject: unknown key '" + key
                + "'; expected fail, timeout, requeue or busy (-EINVAL)");
    }

    private static int number(String key, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("inject: " + key + " needs a number >= 0, got '" + value
                    + "' (-EINVAL)");
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Kind k : Kind.values()) {
            if (every(k) > 0) {
                b.append(b.length() == 0 ? "" : ",").append(k.name().toLowerCase(Locale.ROOT)).append('=').append(every(k));
            }
        }
        return b.length() == 0 ? "none" : b.toString();
    }
}
