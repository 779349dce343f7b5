package dev.mybrd.cli;

import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.workload.IoTarget;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * {@code nrDevices} disks of {@code config} on one machine, as null_blk's {@code nr_devices}; with
     * {@code sharedTags} (mq only) all on one tag set, as null_blk's {@code shared_tags} (v5.x).
     * One disk without sharing is {@link #open}.
     *
     * @throws IllegalArgumentException (-EINVAL) for a count outside 1..16 or sharing outside mq-mode
     */
    default List<IoTarget> open(MyBrd.Config config, int cpus, int nrDevices, boolean sharedTags) {
        if (nrDevices == 1 && !sharedTags) {
            return List.of(open(config, cpus));
        }
        Kernel kernel = new Kernel(cpus);
        List<MyBrd> disks;
        if (sharedTags) {
            disks = MyBrd.sharedTagSet(kernel, config, nrDevices);
        } else {
            if (nrDevices < 1 || nrDevices > MAX_DEVICES) {
                throw new IllegalArgumentException("nr_devices must be in 1.." + MAX_DEVICES + ", got " + nrDevices
                        + " (-EINVAL)");
            }
            disks = new ArrayList<>();
            for (int i = 0; i < nrDevices; i++) {
                disks.add(new MyBrd(kernel, config));
            }
        }
        return disks.stream().map(IoTarget::of).toList();
    }

    /** The most disks, as {@link MyBrd#sharedTagSet} allows. */
    int MAX_DEVICES = 16;
}
