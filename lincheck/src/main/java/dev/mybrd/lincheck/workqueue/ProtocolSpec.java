package dev.mybrd.lincheck.workqueue;

/**
 * The sequential side of {@link WorkQueueProtocol}: its operations return nothing (the checked
 * promises are invariants, tested by its validation function), so this only has to exist with the
 * same operations. An operation that throws (a {@code KernelBug} from corrupted lists) still fails the
 * check, since this specification never throws.
 */
public class ProtocolSpec {
    public void post(int cpu) {
    }

    public void work(int cpu, int pool) {
    }
}
