package dev.mybrd.check;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Shard 3 of the catalog; see {@link CatalogTest}. */
class CatalogShard3Test {
    static Stream<Check> checks() {
        return CatalogTest.shard(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        CatalogTest.assertVerdict(check);
    }
}
