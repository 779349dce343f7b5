package dev.mybrd.check;

import dev.mybrd.lincheck.ramdisk.RamDiskChecks;
import dev.mybrd.lincheck.requestmode.RequestModeChecks;
import dev.mybrd.lincheck.pageflags.PageFlagsChecks;
import dev.mybrd.lincheck.percpu.PerCpuChecks;
import dev.mybrd.lincheck.waitqueue.WaitQueueChecks;
import dev.mybrd.lincheck.ida.IdaChecks;
import dev.mybrd.lincheck.mqtags.MqTagsChecks;
import dev.mybrd.lincheck.mq.MqChecks;
import dev.mybrd.lincheck.mq.SharedTagChecks;
import dev.mybrd.lincheck.mq.MqPlugChecks;
import dev.mybrd.lincheck.spinlock.SpinlockChecks;
import dev.mybrd.lincheck.rcu.RcuChecks;
import dev.mybrd.lincheck.workqueue.WorkQueueChecks;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every Lincheck check of every chapter, in book order. The JUnit suite and {@code ./lab check}
 * both run this list, so a verdict in the table and in {@code mvn verify} come from the same run
 * configuration. Each chapter keeps its checks and budgets in its own class; budgets are sized for
 * the 15-minute suite on two cores.
 */
public final class Catalog {
    public static final String RAMDISK = "ramdisk";
    public static final String PAGE_FLAGS = "page-flags";
    public static final String PER_CPU = "per-cpu";
    public static final String WAIT_QUEUE = "wait-queue";
    public static final String IDA = "ida";
    public static final String SPINLOCK = "spinlock";
    public static final String RCU = "rcu";
    public static final String WORK_QUEUE = "work-queue";
    public static final String REQUEST_MODE = "request-mode";
    public static final String SOFTIRQ = "softirq";
    public static final String MQ_TAGS = "mq-tags";
    public static final String MQ = "mq";

    private Catalog() {
    }

    /** All Lincheck checks, chapter by chapter. */
    public static List<Check> all() {
        List<Check> checks = new ArrayList<>();
        checks.addAll(RamDiskChecks.all());
        checks.addAll(PageFlagsChecks.all());
        checks.addAll(PerCpuChecks.all());
        checks.addAll(WaitQueueChecks.all());
        checks.addAll(IdaChecks.all());
        checks.addAll(SpinlockChecks.all());
        checks.addAll(RcuChecks.all());
        checks.addAll(WorkQueueChecks.all());
        checks.addAll(RequestModeChecks.all());
        checks.addAll(MqTagsChecks.all());
        checks.addAll(MqChecks.all());
        checks.addAll(SharedTagChecks.all());
        checks.addAll(MqPlugChecks.all());
        return checks;
    }

    /** The chapters that have checks, in book order. */
    public static Set<String> chapters() {
        Set<String> names = new LinkedHashSet<>();
        for (Check c : all()) {
            names.add(c.chapter());
        }
        return names;
    }

    /** The catalogued check {@code chapter/name}; an unknown one is a programming error. */
    public static Check find(String chapter, String name) {
        return all().stream().filter(c -> c.chapter().equals(chapter) && c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no check " + chapter + "/" + name));
    }

    /** The checks of one chapter. */
    public static List<Check> chapter(String chapter) {
        return all().stream().filter(c -> c.chapter().equals(chapter)).toList();
    }
}
