package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.cli.Fakes.Result;
import dev.mybrd.driver.MyBrd;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.workload.IoTarget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lab io}: the table, the exit codes, the usage errors, over the real bio-mode mybrd or a device that drops bios. */
class IoCommandTest {
    private final List<MyBrd.Config> opened = new ArrayList<>();

    /** The real mybrd, remembering each configuration it was opened with. */
    private Lab.Env env() {
        return env((config, cpus) -> {
            opened.add(config);
            return IoDevices.MYBRD.open(config, cpus);
        });
    }

    private static Lab.Env env(IoDevices devices) {
        return new Lab.Env(List::of, new Fakes.FakeStress(), Style.plain(), devices);
    }

    /** mybrd that never ends every 100th bio. */
    private static IoDevices dropping() {
        return (config, cpus) -> {
            IoTarget real = IoTarget.of(new MyBrd(new Kernel(cpus), config));
            AtomicLong n = new AtomicLong();
            return new IoTarget() {
                @Override
                public Kernel kernel() {
                    return real.kernel();
                }

                @Override
                public long capacitySectors() {
                    return real.capacitySectors();
                }

                @Override
                public int logicalBlockSize() {
                    return real.logicalBlockSize();
                }

                @Override
                public void submit(Bio bio) {
                    if (n.incrementAndGet() % 100 != 0) {
                        real.submit(bio);
                    }
                }

                @Override
                public boolean completesInline() {
                    return true;
                }

                @Override
                public String describe() {
                    return "dropping " + real.describe();
                }
            };
        };
    }

    @Test
    void aCleanRunPrintsTheCountsAndExitsZero() {
        Result r = Fakes.execute(env(), "io", "--jobs", "2", "--ops", "2000", "--progress", "0");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .startsWith("io: mybrd queue_mode=bio irqmode=none, 2 jobs x iodepth 8, bs 4096, r50/w45/d5, private"
                        + " ranges, 4096 KiB disk, seed 1")
                .containsPattern("submitted +2000 +read \\d+, write \\d+, discard \\d+")
                .containsPattern("completed +2000")
                .containsPattern("  ok +2000")
                .containsPattern("  failed +0")
                .containsPattern("requeued +n/a for bio-mode")
                .containsPattern("timed-out +n/a for bio-mode")
                .containsPattern("lost +0\n")
                .containsPattern("doubled +0\n")
                .containsPattern("wrong-data +0\n")
                .containsPattern("verified +\\d+ +sectors read back and checked")
                .doesNotContain("Problems");
        assertThat(r.out().stripTrailing()).endsWith("verdict: clean (every bio completed once, every read right)");
        assertThat(r.err()).as("--progress 0: no progress lines").isEmpty();
    }

    @Test
    void progressLinesGoToStderr() {
        Result r = Fakes.execute(env(), "io", "--jobs", "1", "--ops", "300", "--progress", "1");

        assertThat(r.exitCode()).isZero();
        assertThat(r.err().lines()).allMatch(l -> l.matches("io: \\d+/300 ops \\(\\d+%\\), \\d+ ops/s, 0 lost, 0 wrong"));
        assertThat(r.err()).contains("io: 300/300 ops (100%)");
        assertThat(r.out()).doesNotContain("ops/s, 0 lost");
    }

    @Test
    void aLostBioFailsTheRunAndIsNamed() {
        Result r = Fakes.execute(env(dropping()), "io", "--jobs", "2", "--ops", "1000", "--progress", "0");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("Problems:")
                .containsPattern("LOST: job \\d op \\d+: (READ|WRITE|DISCARD) sectors \\d+\\+\\d+ on CPU\\d: not ended")
                .containsPattern("lost +10\n");
        assertThat(r.out().stripTrailing()).endsWith("verdict: NOT CLEAN: 10 lost");
    }

    @Test
    void aSeededDriverBugFailsTheRun() {
        // mybrd's two-page setup defect (spec 2.8 item 10): BUG_ON in copy_to_brd, the bio never ends.
        Result r = Fakes.execute(env(), "io", "--jobs", "1", "--ops", "500", "--progress", "0",
                "--bug", "mybrd_two_page_setup");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("bugs=[MYBRD_TWO_PAGE_SETUP]").contains("kernel BUG: copy_to_brd: no page for sector")
                .containsPattern("verdict: NOT CLEAN: \\d+ lost, \\d+ oopses");
    }

    @Test
    void requestModeWithSoftirqCompletionAndTimeoutsRunsClean() {
        Result rq = Fakes.execute(env(), "io", "--mode", "rq", "--irqmode", "softirq", "--jobs", "2", "--ops", "2000",
                "--inject", "timeout=500", "--progress", "0");
        assertThat(rq.exitCode()).as(rq.out() + rq.err()).isZero();
        assertThat(rq.out()).contains("queue_mode=rq irqmode=softirq inject=timeout=500")
                .containsPattern("timed-out +4\\b").contains("verdict: clean");
    }

    @Test
    void requestAndMultiqueueModesRunClean() {
        Result rq = Fakes.execute(env(), "io", "--mode", "rq", "--irqmode", "softirq", "--jobs", "4", "--ops", "2000",
                "--progress", "0");
        assertThat(rq.exitCode()).as(rq.err()).isZero();
        assertThat(rq.out()).contains("queue_mode=rq irqmode=softirq").contains("verdict: clean");
        Result mq = Fakes.execute(env(), "io", "--mode", "mq", "--submit-queues", "2", "--hw-queue-depth", "8",
                "--jobs", "4", "--ops", "2000", "--inject", "busy=50,timeout=100", "--progress", "0");
        assertThat(mq.exitCode()).as(mq.err()).isZero();
        assertThat(mq.out()).contains("queue_mode=mq irqmode=none submit_queues=2 hw_queue_depth=8")
                .containsPattern("timed-out +\\d+").contains("verdict: clean");
    }

    @Test
    void optionsOfAnotherModeAreRefusedNotIgnored() {
        assertThat(Fakes.execute(env(), "io", "--irqmode", "timer").err())
                .contains("irqmode=timer needs queue_mode rq or mq");
        assertThat(Fakes.execute(env(), "io", "--submit-queues", "2").err())
                .contains("--submit-queues applies to --mode mq only");
        assertThat(Fakes.execute(env(), "io", "--hw-queue-depth", "8").err())
                .contains("--hw-queue-depth applies to --mode mq only");
        assertThat(Fakes.execute(env(), "io", "--inject", "fail=7").err()).contains("--inject needs --mode rq or mq");
        assertThat(Fakes.execute(env(), "io", "--mode", "rq", "--inject", "busy=5").err())
                .contains("busy=N needs --mode mq");
        assertThat(Fakes.execute(env(), "io", "--mode", "rq", "--nr-devices", "2", "--shared-tags").err())
                .contains("--shared-tags applies to --mode mq only");
        assertThat(opened).isEmpty();
    }

    @Test
    void badValuesAreUsageErrorsAndRunNothing() {
        String[][] bad = {
            {"--mode", "blk"}, {"--irqmode", "nmi"}, {"--jobs", "0"}, {"--jobs", "65"}, {"--ops", "0"},
            {"--iodepth", "0"}, {"--bs", "1000"}, {"--bs", "4q"}, {"--mix", "r=50,w=40"}, {"--mix", "x=100"},
            {"--layout", "both"}, {"--size", "3k"}, {"--inject", "fail=-1"}, {"--inject", "drop=3"},
            {"--bug", "NOPE"}, {"--seed", "x"}, {"--bio-timeout", "0"}, {"--timeout", "0"}, {"--progress", "-1"},
            {"--size", "4k", "--bs", "8k"}, {"--jobs", "8", "--size", "16k"}, {"--nr-devices", "0"},
            {"--nr-devices", "17"}, {"--nr-devices", "3", "--jobs", "2"}
        };
        for (String[] args : bad) {
            String[] full = new String[args.length + 1];
            full[0] = "io";
            System.arraycopy(args, 0, full, 1, args.length);
            Result r = Fakes.execute(env(), full);
            assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).startsWith("lab: ").contains("Run 'lab io --help' for usage.");
            assertThat(r.out()).as(String.join(" ", args)).isEmpty();
        }
    }

    @Test
    void theJsonFileHoldsTheCounts(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/io.json");
        Result r = Fakes.execute(env(), "io", "--jobs", "2", "--ops", "500", "--progress", "0", "--layout", "shared",
                "--bs", "1k", "--mix", "r=40,w=60", "--seed", "9", "--json", file.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("io: wrote " + file);
        String json = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(json).contains("\"clean\": true").contains("\"queueMode\": \"bio\"")
                .contains("\"layout\": \"shared\"").contains("\"seed\": 9").contains("\"blockSize\": 1024")
                .contains("\"submitted\": 500").contains("\"completed\": 500").contains("\"lost\": 0")
                .contains("\"requeued\": null").contains("\"problems\": []");
    }

    @Test
    void theSeedAndSizesReachTheWorkload() {
        Result r = Fakes.execute(env(), "io", "--jobs", "1", "--ops", "50", "--progress", "0", "--size", "1m",
                "--bs", "512", "--iodepth", "4", "--seed", "42", "--no-verify");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("1 jobs x iodepth 4, bs 512").contains("1024 KiB disk, seed 42, not verified")
                .containsPattern("verified +0 ");
        assertThat(opened).singleElement().satisfies(c -> assertThat(c.capacityBytes()).isEqualTo(1 << 20));
    }

    @Test
    void twoDisksOnOneTagSetRunClean() {
        Result r = Fakes.execute(env(), "io", "--mode", "mq", "--nr-devices", "2", "--shared-tags", "--hw-queue-depth",
                "8", "--jobs", "4", "--ops", "2000", "--progress", "0", "--inject", "busy=50");

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("2 disks on one tag set, 4 jobs").containsPattern("completed +2000")
                .containsPattern("lost +0\n").contains("verdict: clean");
    }
}
