package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import dev.mybrd.cli.Fakes.FakeCheck;
import dev.mybrd.cli.Fakes.FakeStress;
import dev.mybrd.cli.Fakes.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListCommandTest {
    private final FakeCheck mc = new FakeCheck("ramdisk", "per-sector-mc", Expect.HOLDS, Verdict.PASS, "");
    private final FakeStress stress = new FakeStress();

    @Test
    void listsLincheckChecksAndJcstressTestsPerChapterWithoutRunningThem() {
        stress.tests.add(new Stress.StressTest("ramdisk", "FirstWriteRace", "dev.mybrd.stress.ramdisk.FirstWriteRace",
                "P4 first writers share one page", "HOLDS", "desc"));
        stress.tests.add(new Stress.StressTest("spinlock", "TicketOrder", "dev.mybrd.stress.spinlock.TicketOrder",
                "", "", "FIFO hand-over"));
        Result r = Fakes.execute(new Lab.Env(() -> List.of(mc), stress, Style.plain()), "list");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("""
                Chapter ramdisk
                  CHECK           TOOL         EXPECT  PROPERTY
                  per-sector-mc   lincheck-mc  holds   P3 property of per-sector-mc
                  FirstWriteRace  jcstress     holds   P4 first writers share one page

                Chapter spinlock
                  CHECK        TOOL      EXPECT          PROPERTY
                  TicketOrder  jcstress  (from the run)  FIFO hand-over

                """);
        assertThat(mc.runs).isZero();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void saysHowToBuildTheStressJarWhenItIsMissing() {
        stress.available = false;
        Result r = Fakes.execute(new Lab.Env(() -> List.of(mc), stress, Style.plain()), "list");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("per-sector-mc").contains("jcstress tests: not listed, stress/target/jcstress.jar"
                + " is missing. Build it with 'mvn -B -DskipTests package'");
    }

    @Test
    void versionNamesTheTools() {
        Result r = Fakes.execute(new Lab.Env(List::of, stress, Style.plain()), "--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("mybrd-lab ").contains("Lincheck ").contains("jcstress ").contains("Java ");
    }
}
