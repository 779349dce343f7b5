package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class StressTsvTest {
    private static final String HEADER = "chapter\tname\tproperty\ttool\texpect\tverdict\tmillis\tdetail\treproduce";

    @Test
    void readsTheGatesRowsWithEscapedNewlines() {
        List<CheckResult> rows = StressTsv.parse(List.of(HEADER,
                "ramdisk\tFirstWriteRace\tP4 first writers share one page\tjcstress\tHOLDS\tPASS\t5120\t"
                        + "17, 34 = 1,234 ACCEPTABLE (Both writes landed.)\tjava -jar stress/target/jcstress.jar -t "
                        + "FirstWriteRace -m quick",
                "ramdisk\tFirstWriteRaceWithoutRecheck\tP4 first writers share one page\tjcstress\tCATCHES_BUG\tCAUGHT"
                        + "\t4800\t0, 34 = 12 FORBIDDEN (lost)\\n17, 34 = 99 ACCEPTABLE\tjava -jar x.jar"));

        assertThat(rows).containsExactly(
                new CheckResult("ramdisk", "FirstWriteRace", "P4 first writers share one page", "jcstress",
                        Expect.HOLDS, Verdict.PASS, 5120, "17, 34 = 1,234 ACCEPTABLE (Both writes landed.)",
                        "java -jar stress/target/jcstress.jar -t FirstWriteRace -m quick"),
                new CheckResult("ramdisk", "FirstWriteRaceWithoutRecheck", "P4 first writers share one page",
                        "jcstress", Expect.CATCHES_BUG, Verdict.CAUGHT, 4800,
                        "0, 34 = 12 FORBIDDEN (lost)\n17, 34 = 99 ACCEPTABLE", "java -jar x.jar"));
    }

    @Test
    void unescapesTheGatesEscapes() {
        assertThat(StressTsv.unescape("a\\nb\\tc\\rd\\\\e")).isEqualTo("a\nb\tc\rd\\e");
        assertThat(StressTsv.unescape("keep \\x and a trailing \\")).isEqualTo("keep \\x and a trailing \\");
        assertThat(StressTsv.unescape("no escapes")).isEqualTo("no escapes");
    }

    @Test
    void toleratesCrlfBlankLinesMissingColumnsAndNoHeader() {
        List<CheckResult> rows = StressTsv.parse(List.of(
                "ramdisk\tReaderVsFirstWriter\tP5\tjcstress\tholds\tpass\t12\r",
                "",
                "ramdisk\tShort\tP5"));

        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).isEqualTo(new CheckResult("ramdisk", "ReaderVsFirstWriter", "P5", "jcstress",
                Expect.HOLDS, Verdict.PASS, 12, "", ""));
        assertThat(rows.get(1).verdict()).isEqualTo(Verdict.ERROR);
        assertThat(rows.get(1).detail()).contains("line 3").contains("unknown verdict ''");
    }

    @Test
    void findsColumnsByTheHeadersNames() {
        List<CheckResult> rows = StressTsv.parse(List.of(
                "name\tverdict\tchapter\textra\tmillis\texpect",
                "T\tMISSED\tspinlock\tignored\t7\tcatches-bug"));

        assertThat(rows).containsExactly(new CheckResult("spinlock", "T", "", "jcstress", Expect.CATCHES_BUG,
                Verdict.MISSED, 7, "", ""));
    }

    @Test
    void anUnreadableRowBecomesAnErrorRowAndTheOthersSurvive() {
        List<CheckResult> rows = StressTsv.parse(List.of(HEADER,
                "ramdisk\tA\tP\tjcstress\tHOLDS\tSOMETIMES\tfast\tsome detail\tcmd",
                "ramdisk\tB\tP\tjcstress\tHOLDS\tFAIL\t3\t\tcmd"));

        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).verdict()).isEqualTo(Verdict.ERROR);
        assertThat(rows.get(0).millis()).isZero();
        assertThat(rows.get(0).detail())
                .isEqualTo("unreadable row at line 2 of the jcstress verdict file: unknown verdict 'SOMETIMES'\n"
                        + "some detail");
        assertThat(rows.get(1).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void expectationNamesAreReadLeniently() {
        assertThat(StressTsv.expect("CATCHES_BUG", Verdict.PASS)).isEqualTo(Expect.CATCHES_BUG);
        assertThat(StressTsv.expect("shows behaviour", Verdict.PASS)).isEqualTo(Expect.SHOWS_BEHAVIOUR);
        assertThat(StressTsv.expect("seeded-bug", Verdict.PASS)).isEqualTo(Expect.CATCHES_BUG);
        assertThat(StressTsv.expect("", Verdict.CAUGHT)).isEqualTo(Expect.CATCHES_BUG);
        assertThat(StressTsv.expect("", Verdict.FAIL)).isEqualTo(Expect.HOLDS);
    }

    @Test
    void anEmptyFileHasNoRows() {
        assertThat(StressTsv.parse(List.of(HEADER))).isEmpty();
        assertThat(StressTsv.parse(List.of())).isEmpty();
    }
}
