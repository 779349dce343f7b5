package dev.mybrd.lincheck.ida;

import dev.mybrd.idr.Ida;
import dev.mybrd.idr.IdaBug;

/**
 * The IDA checks run against seeded bugs: the same operations and specification, an IDA with one
 * {@link IdaBug} switched on. Each must make its check fail.
 */
public final class SeededIdas {
    private SeededIdas() {
    }

    /** {@link IdaBug#GET_WITHOUT_LOCK} under the two-getters race. */
    public static class GetWithoutLock extends TwoGetters {
        @Override
        protected Ida.Config config() {
            return super.config().withBug(IdaBug.GET_WITHOUT_LOCK);
        }
    }

    /** {@link IdaBug#REMOVE_WITHOUT_LOCK} under the get-versus-remove race. */
    public static class RemoveWithoutLock extends GetVsRemove {
        @Override
        protected Ida.Config config() {
            return super.config().withBug(IdaBug.REMOVE_WITHOUT_LOCK);
        }
    }
}
