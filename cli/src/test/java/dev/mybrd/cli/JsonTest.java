package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void escapesQuotesBackslashesAndControlCharacters() {
        assertThat(Json.string("plain")).isEqualTo("\"plain\"");
        assertThat(Json.string("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(Json.string("C:\\dir\\n")).isEqualTo("\"C:\\\\dir\\\\n\"");
        assertThat(Json.string("a\nb\r\tc\b\f")).isEqualTo("\"a\\nb\\r\\tc\\b\\f\"");
        assertThat(Json.string("nul\u0000 esc\u001b unit\u001f")).isEqualTo("\"nul\\u0000 esc\\u001b unit\\u001f\"");
        assertThat(Json.string("/ and \u007f stay")).isEqualTo("\"/ and \u007f stay\"");
        assertThat(Json.string(null)).isEqualTo("null");
    }

    @Test
    void escapesLineSeparatorsAndLoneSurrogatesButKeepsOtherUnicode() {
        assertThat(Json.string("a\u2028b\u2029c")).isEqualTo("\"a\\u2028b\\u2029c\"");
        assertThat(Json.string("é → 🙂")).isEqualTo("\"é → 🙂\"");
        assertThat(Json.string("x\ud83dy")).isEqualTo("\"x\\ud83dy\"");
        assertThat(Json.string("x\ude42")).isEqualTo("\"x\\ude42\"");
    }

    @Test
    void documentListsEveryRowWithAllFields() {
        CheckResult r = new CheckResult("ramdisk", "two-page-bio-tears", "multi-page bio is not atomic (PS5)",
                "lincheck-mc", Expect.SHOWS_BEHAVIOUR, Verdict.SHOWN, 42, "| readAcross(1): [0, \"x\"] |\n",
                "./lab check ramdisk --only two-page-bio-tears");
        String json = Json.document("0.1.0", List.of(r), 1000);

        assertThat(json).isEqualTo("""
                {
                  "version": "0.1.0",
                  "ok": true,
                  "totalMillis": 1000,
                  "counts": {"PASS": 0, "FAIL": 0, "CAUGHT": 0, "SHOWN": 1, "MISSED": 0, "ERROR": 0},
                  "results": [
                    {"chapter": "ramdisk", "name": "two-page-bio-tears", "property": "multi-page bio is not atomic \
                (PS5)", "tool": "lincheck-mc", "expect": "SHOWS_BEHAVIOUR", "verdict": "SHOWN", "ok": true, \
                "millis": 42, "detail": "| readAcross(1): [0, \\"x\\"] |\\n", "reproduce": "./lab check ramdisk \
                --only two-page-bio-tears"}
                  ]
                }
                """);
    }

    @Test
    void anEmptyRunIsStillADocument() {
        assertThat(Json.document("v", List.of(), 5)).contains("\"results\": []\n}").contains("\"ok\": true");
    }

    @Test
    void aNotOkRowMakesTheDocumentNotOk() {
        CheckResult r = new CheckResult("c", "n", "p", "jcstress", Expect.CATCHES_BUG, Verdict.MISSED, 1, "", "");
        assertThat(Json.document("v", List.of(r), 5)).contains("\"ok\": false").contains("\"MISSED\": 1");
    }
}
