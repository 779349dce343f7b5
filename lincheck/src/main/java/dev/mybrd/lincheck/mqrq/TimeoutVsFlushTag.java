package dev.mybrd.lincheck.mqrq;

import dev.mybrd.mqrq.BlkMqTagToRq;
import org.jetbrains.lincheck.datastructures.Operation;

/**
 * KR-12: the timeout timer's scan over busy tags against a flush submitted on an idle queue whose
 * one request was never used: the request is allocated (tag bit, then its fields), lends its tag to
 * the flush request, gets it back and is freed. One after the other, the scan either finds no busy
 * tag or a fully set-up request; a scan that oopses in {@code blk_mq_tag_to_rq} is the race.
 */
public abstract class TimeoutVsFlushTag {
    private final BlkMqTagToRq tags = new BlkMqTagToRq(variant());

    protected abstract BlkMqTagToRq.Variant variant();

    /** A flush with data, on CPU 0; returns the tag. */
    @Operation
    public int submitFlush() {
        return tags.submitFlush();
    }

    /** {@code blk_mq_rq_timer} on CPU 1. */
    @Operation
    public void timeoutScan() {
        tags.timeoutScan();
    }

    /** Before 0048b4837aff. */
    public static class DeriveFromRq extends TimeoutVsFlushTag {
        @Override
        protected BlkMqTagToRq.Variant variant() {
            return BlkMqTagToRq.Variant.DERIVE_FROM_RQ;
        }
    }

    /** 0048b4837aff. */
    public static class ActiveRq extends TimeoutVsFlushTag {
        @Override
        protected BlkMqTagToRq.Variant variant() {
            return BlkMqTagToRq.Variant.ACTIVE_RQ;
        }
    }
}
