package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {
    private static final List<CheckResult> ROWS = List.of(
            new CheckResult("ramdisk", "per-sector-mc", "P3/P4 per-sector linearizability", "lincheck-mc",
                    Expect.HOLDS, Verdict.PASS, 12_345, "", "r1"),
            new CheckResult("ramdisk", "seeded-insert-without-lock", "P3/P4 per-sector linearizability",
                    "lincheck-mc", Expect.CATCHES_BUG, Verdict.CAUGHT, 850, "trace", "r2"),
            new CheckResult("ramdisk", "FirstWriteRaceWithoutRecheck", "P4 first writers share one page", "jcstress",
                    Expect.CATCHES_BUG, Verdict.MISSED, 125_000, "", "r3"));

    @Test
    void rendersAlignedColumnsWithRightAlignedTimes() {
        assertThat(ResultTable.render(ROWS, Style.plain())).isEqualTo("""
                CHAPTER  CHECK                         PROPERTY                          TOOL         VERDICT        TIME
                -------  ----------------------------  --------------------------------  -----------  -------  ----------
                ramdisk  per-sector-mc                 P3/P4 per-sector linearizability  lincheck-mc  pass         12.3 s
                ramdisk  seeded-insert-without-lock    P3/P4 per-sector linearizability  lincheck-mc  caught       850 ms
                ramdisk  FirstWriteRaceWithoutRecheck  P4 first writers share one page   jcstress     MISSED   2 min 05 s
                """);
    }

    @Test
    void colourDecoratesTheVerdictWithoutMovingColumns() {
        String coloured = ResultTable.render(ROWS, new Style(true));
        assertThat(coloured).contains("\u001b[32mcaught ");
        assertThat(coloured).contains("\u001b[1;31mMISSED ");
        assertThat(coloured.replaceAll("\u001b\\[[0-9;]*m", "")).isEqualTo(ResultTable.render(ROWS, Style.plain()));
        assertThat(ResultTable.render(ROWS, Style.plain())).doesNotContain("\u001b");
    }

    @Test
    void anEmptyTableIsJustTheHeader() {
        assertThat(ResultTable.render(List.of(), Style.plain()).lines()).hasSize(2);
    }

    @Test
    void verdictsThatAreNotOkAreUpperCase() {
        assertThat(ResultTable.verdictText(Verdict.CAUGHT)).isEqualTo("caught");
        assertThat(ResultTable.verdictText(Verdict.SHOWN)).isEqualTo("shown");
        assertThat(ResultTable.verdictText(Verdict.FAIL)).isEqualTo("FAIL");
        assertThat(ResultTable.verdictText(Verdict.ERROR)).isEqualTo("ERROR");
    }

    @Test
    void formatsDurations() {
        assertThat(ResultTable.duration(0)).isEqualTo("0 ms");
        assertThat(ResultTable.duration(999)).isEqualTo("999 ms");
        assertThat(ResultTable.duration(1000)).isEqualTo("1.0 s");
        assertThat(ResultTable.duration(59_940)).isEqualTo("59.9 s");
        assertThat(ResultTable.duration(60_000)).isEqualTo("1 min 00 s");
        assertThat(ResultTable.duration(3_725_400)).isEqualTo("62 min 05 s");
    }

    @Test
    void summarisesCountsPerVerdict() {
        assertThat(ResultTable.summary(ROWS, 140_000, Style.plain()))
                .isEqualTo("3 checks in 2 min 20 s: 1 pass, 1 caught, 1 MISSED; 1 not as expected");
        assertThat(ResultTable.summary(ROWS.subList(0, 1), 12_400, Style.plain()))
                .isEqualTo("1 check in 12.4 s: 1 pass; all as expected");
    }
}
