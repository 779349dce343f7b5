package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.BlkBug;
import java.util.Set;

/** {@link GetRequestSleeper} with {@link BlkBug#GET_REQUEST_REGISTER_AFTER_UNLOCK} (spec 3.6 (a)). */
public class SeededGetRequestSleeper extends GetRequestSleeper {
    @Override
    protected Set<BlkBug> bugs() {
        return Set.of(BlkBug.GET_REQUEST_REGISTER_AFTER_UNLOCK);
    }
}
