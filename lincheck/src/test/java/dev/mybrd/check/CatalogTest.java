package dev.mybrd.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every catalogued Lincheck check and asserts its verdict: properties hold on the model, seeded
 * bugs are caught, documented behaviour is shown. A seeded bug's trace is printed, so the log shows
 * the interleaving that breaks the property.
 *
 * <p>The catalog is dealt into {@value #SHARDS} shards, this class and {@code CatalogShard1Test} to
 * {@code CatalogShard3Test}, so that surefire's two forks (one per core) model-check in parallel and
 * finish close together; Lincheck serialises the checks of one JVM.
 */
class CatalogTest {
    static final int SHARDS = 4;

    /** The checks at positions {@code k}, {@code k + SHARDS}, ... of the catalog. */
    static Stream<Check> shard(int k) {
        List<Check> all = Catalog.all();
        return IntStream.range(0, all.size()).filter(i -> i % SHARDS == k).mapToObj(all::get);
    }

    static Stream<Check> checks() {
        return shard(0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void verdictIsTheExpectedOne(Check check) {
        assertVerdict(check);
    }

    static void assertVerdict(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-34s %-16s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s/%s expected %s but was %s; reproduce with: %s%n%s", r.chapter(), r.name(), r.expect(),
                        r.verdict(), r.reproduce(), r.detail())
                .isTrue();
    }
}
