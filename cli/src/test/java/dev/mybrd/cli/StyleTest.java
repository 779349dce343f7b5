package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StyleTest {
    @Test
    void colourOnlyOnATerminalWithoutNoColor() {
        assertThat(Style.wantsColor(Map.of(), true)).isTrue();
        assertThat(Style.wantsColor(Map.of(), false)).isFalse();
        assertThat(Style.wantsColor(Map.of("NO_COLOR", "1"), true)).isFalse();
        assertThat(Style.wantsColor(Map.of("NO_COLOR", ""), true)).isTrue();
        assertThat(Style.wantsColor(Map.of("TERM", "dumb"), true)).isFalse();
    }

    @Test
    void plainLeavesTextAlone() {
        assertThat(Style.plain().bad("FAIL")).isEqualTo("FAIL");
        assertThat(new Style(true).bad("FAIL")).isEqualTo("\u001b[1;31mFAIL\u001b[0m");
    }
}
