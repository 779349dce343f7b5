package dev.mybrd.lincheck.requestmode;

import dev.mybrd.block.BlkBug;
import java.util.Set;

/** {@link WokenSleeperBatcher} with {@link BlkBug#WOKEN_SLEEPER_NOT_BATCHING}. */
public class SeededWokenSleeperBatcher extends WokenSleeperBatcher {
    @Override
    protected Set<BlkBug> bugs() {
        return Set.of(BlkBug.WOKEN_SLEEPER_NOT_BATCHING);
    }
}
