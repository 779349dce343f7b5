package dev.mybrd.check;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Shard 1 of the catalog; see {@link CatalogTest}. */
class CatalogShard1Test {
    static Stream<Check> checks() {
        return CatalogTest.shard(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CatalogTest.assertVerdict(check);
    }
}
