package dev.mybrd.race;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.CheckResult;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Scratch runner for the life-cycle races' probes alone (RaceCatalogTest runs them in the suite). */
class LifeRacesTest {
    static Stream<RaceCheck> probes() {
        String only = System.getProperty("life.only", "");
        return LifeRaces.all().stream()
                .filter(r -> only.isEmpty() || r.id().equals(only))
                .flatMap(r -> Stream.concat(r.buggy().stream(), r.fixed().stream()))
                .map(p -> (RaceCheck) ((Probe.InProcess) p).check());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("probes")
    void probe(RaceCheck check) {
        CheckResult r = check.run();
        System.out.printf("LIFE %-30s %-8s %6d ms%n", r.name(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok()).as(r.detail()).isTrue();
    }
}
