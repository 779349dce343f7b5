package dev.mybrd.race;

import dev.mybrd.check.Check;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The second half of the race catalog's own probes; see {@link RaceCatalogTest}. */
class RaceCatalogSecondHalfTest {
    static Stream<Check> secondHalf() {
        return RaceCatalogTest.half(1);
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("secondHalf")
    void ownedProbeGivesItsVerdict(Check check) {
        RaceCatalogTest.assertOwnedVerdict(check);
    }
}
