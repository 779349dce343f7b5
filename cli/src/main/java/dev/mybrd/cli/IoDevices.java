package dev.mybrd.cli;

import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.workload.IoTarget;

/**
 * Where {@code lab io} gets its device: mybrd built from the command line's configuration on a machine
 * with {@code cpus} CPUs. The tests put a misbehaving device in its place to see the exit codes.
 */
@FunctionalInterface
public interface IoDevices {
    /** The real mybrd. */
    IoDevices MYBRD = (config, cpus) -> IoTarget.of(new MyBrd(new Kernel(cpus), config));

    /**
     * Builds the device.
     *
     * @throws UnsupportedOperationException for a queue mode the model does not have yet
     * @throws IllegalArgumentException for a configuration the driver refuses (-EINVAL)
     */
    IoTarget open(MyBrd.Config config, int cpus);
}
