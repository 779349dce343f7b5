package dev.mybrd.cli;

import dev.mybrd.block.BlkStatus;
import dev.mybrd.driver.Bug;
import dev.mybrd.driver.Injection;
import dev.mybrd.driver.IrqMode;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.driver.QueueMode;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.workload.IoProgress;
import dev.mybrd.workload.IoResult;
import dev.mybrd.workload.IoSpec;
import dev.mybrd.workload.IoTarget;
import dev.mybrd.workload.IoWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./lab io}: runs a verifying workload ({@link IoWorkload}) through mybrd and prints what
 * became of every bio.
 *
 * <p>It first turns the options into a driver configuration and an {@link IoSpec} and builds the
 * device; anything the model refuses (a bad value, irqmode with bio-mode, a queue mode not modelled
 * yet, a spec that does not fit the disk) is a usage error, exit 2, before any I/O. Then it runs the
 * workload, printing a progress line to stderr every {@code --progress} milliseconds, and last the
 * problems found and the table of counts on stdout, and the JSON file if asked.
 *
 * <p>Exit codes: 0 when every bio completed exactly once and every read returned what was written;
 * 1 when one was lost, completed twice or read back wrong, or the model oopsed, or the run bound
 * stopped it; 2 for a usage error.
 *
 * <p>Options that belong to one queue mode ({@code --submit-queues}, {@code --hw-queue-depth} for
 * mq; {@code --inject} for rq and mq; {@code --irqmode} other than none) are refused with other modes
 * rather than silently ignored.
 */
@Command(name = "io", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class, sortOptions = false,
        description = {
            "Runs a verified I/O workload through the mybrd model: JOBS tasks on simulated CPUs submit a seeded mix"
                    + " of reads, writes and discards, every read is checked against what was written, and the"
                    + " final table counts submitted, completed, failed, requeued, timed-out, lost, doubled and"
                    + " wrong-data bios.",
            "Exit codes: 0 clean, 1 a bio lost, doubled or read back wrong (or the model oopsed), 2 usage error.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./lab io",
            "  ./lab io --jobs 4 --ops 100000 --bs 4k --iodepth 8",
            "  ./lab io --layout shared --bs 512 --mix r=30,w=70 --bug ZERO_AFTER_PUBLISH",
            "  ./lab io --mode rq --irqmode softirq --jobs 4 --ops 100000 --inject timeout=1000",
            "  ./lab io --mode mq --submit-queues 2 --hw-queue-depth 8 --inject busy=500,timeout=1000"
        })
final class IoCommand implements Callable<Integer> {
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})([kKmMgG]?)");

    private final Lab.Env env;

    @Spec
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "bio",
            description = "queue_mode: bio, rq or mq (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--irqmode", paramLabel = "MODE", defaultValue = "none",
            description = "irqmode: none, softirq or timer (default: ${DEFAULT-VALUE}); rq and mq only.")
    String irqmode;

    @Option(names = "--completion-nsec", paramLabel = "NS", defaultValue = "10000",
            description = "completion_nsec for --irqmode timer (default: ${DEFAULT-VALUE}).")
    long completionNsec;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4",
            description = "Submitting tasks, each on its own CPU (default: ${DEFAULT-VALUE}; 1..64).")
    int jobs;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "100000",
            description = "Operations in all, split over the jobs (default: ${DEFAULT-VALUE}).")
    long ops;

    @Option(names = "--iodepth", paramLabel = "N", defaultValue = "8",
            description = "Bios each job keeps in flight (default: ${DEFAULT-VALUE}); bio-mode completes inline.")
    int iodepth;

    @Option(names = "--bs", paramLabel = "SIZE", defaultValue = "4k",
            description = "Block size: 512 to 512k, a multiple of 512 (default: ${DEFAULT-VALUE}). Offsets are"
                    + " multiples of the logical block size, so 4k blocks usually straddle two pages.")
    String bs;

    @Option(names = "--mix", paramLabel = "MIX", defaultValue = "r=50,w=45,d=5",
            description = "Read/write/discard percentages (default: ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--layout", paramLabel = "LAYOUT", defaultValue = "private",
            description = "private: each job on its own slice of the disk; shared: all jobs over the whole disk,"
                    + " never two operations in flight on one sector (default: ${DEFAULT-VALUE}).")
    String layout;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "4m",
            description = "Disk size, a multiple of 4k (default: ${DEFAULT-VALUE}, as mybrd).")
    String size;

    @Option(names = "--inject", paramLabel = "SPEC",
            description = "Fault injection, every Nth request: fail=N,timeout=N,requeue=N,busy=N (rq and mq).")
    String inject;

    @Option(names = "--submit-queues", paramLabel = "N",
            description = "submit_queues: hardware queues (mq only; applied when blk-mq is modelled).")
    Integer submitQueues;

    @Option(names = "--hw-queue-depth", paramLabel = "N",
            description = "hw_queue_depth: tags per hardware queue (mq only; applied when blk-mq is modelled).")
    Integer hwQueueDepth;

    @Option(names = "--nr-devices", paramLabel = "N", defaultValue = "1",
            description = "Disks (null_blk's nr_devices, 1..16); job j works on disk j %% N. Default: ${DEFAULT-VALUE}.")
    int nrDevices;

    @Option(names = "--shared-tags", description = "All disks on one tag set (--mode mq; null_blk's shared_tags):"
            + " hctx_may_queue gives each active disk a fair share of the tags.")
    boolean sharedTags;

    @Option(names = "--bug", paramLabel = "BUG",
            description = "Switch on a seeded bug of the driver (repeatable): ${COMPLETION-CANDIDATES}.")
    List<Bug> bugs = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the operation sequence (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-verify", description = "Do not fill writes with a pattern or check reads.")
    boolean noVerify;

    @Option(names = "--bio-timeout", paramLabel = "MS", defaultValue = "10000",
            description = "A bio outstanding this long is reported lost (default: ${DEFAULT-VALUE}).")
    long bioTimeoutMillis;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "600",
            description = "Bound of the whole run in seconds; past it the jobs stop and it fails (default:"
                    + " ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--progress", paramLabel = "MS", defaultValue = "1000",
            description = "A progress line on stderr every MS milliseconds and at the end, 0 for none (default:"
                    + " ${DEFAULT-VALUE}).")
    long progressMillis;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the counts and problems as JSON to FILE.")
    Path json;

    IoCommand(Lab.Env env) {
        this.env = env;
    }

    /** What will run: the device and the workload. */
    record Plan(List<IoTarget> targets, IoSpec spec, MyBrd.Config config) {
    }

    @Override
    public Integer call() {
        Plan plan = plan();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println("io: " + header(plan));
        out.flush();
        IoResult r = IoWorkload.run(plan.spec(), plan.targets(), progressMillis, p -> {
            if (progressMillis > 0) {
                progress(p, err);
            }
        });
        report(r, plan, out);
        if (json != null) {
            writeJson(r, plan, out);
        }
        out.flush();
        return r.clean() ? Lab.OK : Lab.NOT_OK;
    }

    /** Resolves the options and builds the device; a {@link ParameterException} (exit 2) for anything wrong. */
    Plan plan() {
        if (json != null && Files.isDirectory(json)) {
            throw usage("--json " + json + " is a directory; give a file name");
        }
        QueueMode queueMode = parse(() -> QueueMode.parse(mode));
        IrqMode irq = parse(() -> IrqMode.parse(irqmode));
        Injection injection = parse(() -> inject == null ? Injection.none() : Injection.parse(inject));
        if (queueMode != QueueMode.MQ && (submitQueues != null || hwQueueDepth != null)) {
            throw usage((submitQueues != null ? "--submit-queues" : "--hw-queue-depth") + " applies to --mode mq only");
        }
        if (sharedTags && queueMode != QueueMode.MQ) {
            throw usage("--shared-tags applies to --mode mq only (tag sets are blk-mq's)");
        }
        if (nrDevices < 1 || nrDevices > IoDevices.MAX_DEVICES) {
            throw usage("--nr-devices must be in 1.." + IoDevices.MAX_DEVICES + ", got " + nrDevices + " (-EINVAL)");
        }
        if (submitQueues != null && submitQueues < 1 || hwQueueDepth != null && hwQueueDepth < 1) {
            throw usage("--submit-queues and --hw-queue-depth must be >= 1 (-EINVAL)");
        }
        if (queueMode == QueueMode.BIO && injection.any()) {
            throw usage("--inject needs --mode rq or mq: bio-mode ends every bio inline in the submitter and has no"
                    + " request to fail, time out, requeue or answer busy");
        }
        if (queueMode != QueueMode.MQ && injection.busyEvery() > 0) {
            throw usage("--inject busy=N needs --mode mq (BLK_MQ_RQ_QUEUE_BUSY is blk-mq's answer)");
        }
        if (progressMillis < 0) {
            throw usage("--progress must be >= 0 ms (0 for none), got " + progressMillis);
        }
        if (timeoutSeconds < 1 || timeoutSeconds > Long.MAX_VALUE / 1_000_000_000L) {
            throw usage("--timeout must be a positive number of seconds, got " + timeoutSeconds);
        }
        long capacity = size("--size", size);
        int blockSize = (int) Math.min(Integer.MAX_VALUE, size("--bs", bs));
        int[] pct = parse(() -> IoSpec.parseMix(mix));
        IoSpec workload = parse(() -> new IoSpec(jobs, ops, iodepth, blockSize, pct[0], pct[1], pct[2],
                IoSpec.Layout.parse(layout), 0, seed, !noVerify, bioTimeoutMillis, timeoutSeconds * 1000));
        MyBrd.Config config = parse(() -> {
            MyBrd.Config c = MyBrd.Config.defaults().withCapacity(capacity).withQueueMode(queueMode)
                    .withCompletionNsec(completionNsec).withInjection(injection);
            if (irq != IrqMode.NONE) {
                c = c.withIrqMode(irq);
            }
            if (submitQueues != null) {
                c = c.withSubmitQueues(submitQueues);
            }
            if (hwQueueDepth != null) {
                c = c.withHwQueueDepth(hwQueueDepth);
            }
            for (Bug b : bugs) {
                c = c.withBug(b);
            }
            return c;
        });
        List<IoTarget> targets;
        try {
            targets = env.devices().open(config, Math.max(Kernel.DEFAULT_NR_CPUS, jobs), nrDevices, sharedTags);
        } catch (UnsupportedOperationException e) {
            throw usage(e.getMessage() + " (bio-mode is; request mode and blk-mq are in progress)");
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        parse(() -> {
            IoWorkload.check(workload, targets);
            return null;
        });
        return new Plan(targets, workload, config);
    }

    /** Runs a parser of the model; its -EINVAL becomes a usage error. */
    private <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** {@code 512}, {@code 4k}, {@code 4M}, {@code 1g}: bytes (binary units). */
    private long size(String option, String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw usage(option + ": expected a size such as 512, 4k or 4m, got '" + text + "'");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n > (Long.MAX_VALUE >> 31)) {
            throw usage(option + ": " + text + " is too large");
        }
        return n << shift;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static void progress(IoProgress p, PrintWriter err) {
        err.println("io: " + p);
        err.flush();
    }

    private String header(Plan plan) {
        IoSpec s = plan.spec();
        int disks = plan.targets().size();
        return plan.targets().get(0).describe() + (disks == 1 ? "" : ", " + disks + " disks"
                + (sharedTags ? " on one tag set" : "")) + ", " + s.jobs() + " jobs x iodepth " + s.iodepth() + ", bs " + s.blockSize()
                + ", " + s.mixLabel() + ", " + s.layout().label() + " ranges, " + (plan.config().capacityBytes() >> 10)
                + " KiB disk, seed " + s.seed() + (s.verify() ? "" : ", not verified")
                + (submitQueues == null && hwQueueDepth == null ? "" : ", submit_queues " + submitQueues
                        + " hw_queue_depth " + hwQueueDepth);
    }

    /** Problems, then the table, then the verdict, so that the verdict ends the log. */
    private void report(IoResult r, Plan plan, PrintWriter out) {
        Style style = env.style();
        if (!r.problems().isEmpty()) {
            out.println();
            out.println(style.bold("Problems" + (r.problems().size() >= IoResult.MAX_PROBLEMS
                    ? " (the first " + r.problems().size() + ")" : "") + ":"));
            r.problems().forEach(p -> out.println("  " + p));
        }
        out.println();
        String na = "n/a for " + plan.config().queueMode().label() + "-mode";
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("submitted", Long.toString(r.submitted()),
                "read " + r.reads() + ", write " + r.writes() + ", discard " + r.discards()));
        rows.add(List.of("completed", Long.toString(r.completed()), ""));
        rows.add(List.of("  ok", Long.toString(r.ok()), ""));
        rows.add(List.of("  failed", Long.toString(r.failedTotal()), failedDetail(r.failed())));
        rows.add(List.of("requeued", count(r.requeued(), na), ""));
        rows.add(List.of("timed-out", count(r.timedOut(), na), ""));
        rows.add(List.of("lost", Long.toString(r.lost()), r.lateCompletions() == 0 ? ""
                : r.lateCompletions() + " completed after the bio timeout"));
        rows.add(List.of("doubled", Long.toString(r.doubled()), ""));
        rows.add(List.of("wrong-data", Long.toString(r.wrongData()), r.wrongData() == 0 ? ""
                : r.wrongSectors() + " sectors"));
        rows.add(List.of("oopses", Long.toString(r.oopses()), ""));
        if (r.notIssued() > 0) {
            rows.add(List.of("not-issued", Long.toString(r.notIssued()), "the run bound stopped the jobs"));
        }
        rows.add(List.of("verified", Long.toString(r.verifiedSectors()), "sectors read back and checked"));
        out.print(ListCommand.columns(List.of("COUNT", "VALUE", ""), rows, ""));
        out.println();
        out.println(String.format(Locale.ROOT, "%d ops in %s, %.0f ops/s", r.completed() + r.lost(),
                ResultTable.duration(r.elapsedNanos() / 1_000_000), r.rate()));
        out.println(r.clean() ? "verdict: " + style.good("clean") + " (every bio completed once, every read right)"
                : "verdict: " + style.bad("NOT CLEAN") + ": " + unclean(r));
    }

    private static String unclean(IoResult r) {
        List<String> parts = new ArrayList<>();
        if (r.lost() > 0) {
            parts.add(r.lost() + " lost");
        }
        if (r.doubled() > 0) {
            parts.add(r.doubled() + " doubled");
        }
        if (r.wrongData() > 0) {
            parts.add(r.wrongData() + " wrong-data");
        }
        if (r.oopses() > 0) {
            parts.add(r.oopses() + " oopses");
        }
        if (r.stopped()) {
            parts.add("stopped by the run bound");
        }
        return String.join(", ", parts);
    }

    private static String failedDetail(Map<BlkStatus, Long> failed) {
        return failed.entrySet().stream()
                .map(e -> e.getKey().name() + " (" + e.getKey().errno() + ") " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String count(OptionalLong n, String absent) {
        return n.isPresent() ? Long.toString(n.getAsLong()) : absent;
    }

    private void writeJson(IoResult r, Plan plan, PrintWriter out) {
        try {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(json, json(r, plan), StandardCharsets.UTF_8);
            out.println("io: wrote " + json);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + json + ": " + e.getMessage(), e);
        }
    }

    /** The result as one JSON document; counts that do not apply are {@code null}. */
    static String json(IoResult r, Plan plan) {
        IoSpec s = r.spec();
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"version\": ").append(Json.string(Lab.Version.lab())).append(",\n");
        b.append("  \"clean\": ").append(r.clean()).append(",\n");
        b.append("  \"target\": ").append(Json.string(r.target())).append(",\n");
        b.append("  \"queueMode\": ").append(Json.string(plan.config().queueMode().label()))
                .append(", \"irqMode\": ").append(Json.string(plan.config().irqMode().label()))
                .append(", \"inject\": ").append(Json.string(plan.config().injection().toString())).append(",\n");
        b.append("  \"spec\": {\"jobs\": ").append(s.jobs()).append(", \"ops\": ").append(s.ops())
                .append(", \"iodepth\": ").append(s.iodepth()).append(", \"blockSize\": ").append(s.blockSize())
                .append(", \"readPct\": ").append(s.readPct()).append(", \"writePct\": ").append(s.writePct())
                .append(", \"discardPct\": ").append(s.discardPct()).append(", \"layout\": ")
                .append(Json.string(s.layout().label())).append(", \"seed\": ").append(s.seed())
                .append(", \"verify\": ").append(s.verify()).append("},\n");
        b.append("  \"counts\": {\"submitted\": ").append(r.submitted()).append(", \"reads\": ").append(r.reads())
                .append(", \"writes\": ").append(r.writes()).append(", \"discards\": ").append(r.discards())
                .append(", \"completed\": ").append(r.completed()).append(", \"ok\": ").append(r.ok())
                .append(", \"failed\": ").append(r.failedTotal()).append(", \"failedByStatus\": {")
                .append(r.failed().entrySet().stream().map(e -> Json.string(e.getKey().name()) + ": " + e.getValue())
                        .collect(Collectors.joining(", ")))
                .append("}, \"requeued\": ").append(r.requeued().isPresent() ? r.requeued().getAsLong() : "null")
                .append(", \"timedOut\": ").append(r.timedOut().isPresent() ? r.timedOut().getAsLong() : "null")
                .append(", \"lost\": ").append(r.lost()).append(", \"doubled\": ").append(r.doubled())
                .append(", \"wrongData\": ").append(r.wrongData()).append(", \"wrongSectors\": ").append(r.wrongSectors())
                .append(", \"oopses\": ").append(r.oopses()).append(", \"notIssued\": ").append(r.notIssued())
                .append(", \"lateCompletions\": ").append(r.lateCompletions())
                .append(", \"verifiedSectors\": ").append(r.verifiedSectors()).append("},\n");
        b.append("  \"stopped\": ").append(r.stopped()).append(",\n");
        b.append("  \"elapsedMillis\": ").append(r.elapsedNanos() / 1_000_000).append(",\n");
        b.append("  \"problems\": [");
        for (int i = 0; i < r.problems().size(); i++) {
            IoResult.Problem p = r.problems().get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"kind\": ").append(Json.string(p.kind().name()))
                    .append(", \"text\": ").append(Json.string(p.text())).append("}");
        }
        b.append(r.problems().isEmpty() ? "]\n" : "\n  ]\n").append("}\n");
        return b.toString();
    }
}
