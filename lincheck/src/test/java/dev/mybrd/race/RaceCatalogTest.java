package dev.mybrd.race;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.check.CheckResult;
import dev.mybrd.check.Expect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The race catalog in the suite: its entries are well formed and documented, and every probe the
 * catalog owns gives its verdict (buggy caught, fixed passing). Probes that are chapter checks run in
 * {@code CatalogTest} with their chapter, so they are not run twice.
 */
class RaceCatalogTest {
    private static final Path REPO = Path.of("..");

    static Stream<Check> ownedChecks() {
        return Races.all().stream()
                .flatMap(r -> Stream.concat(r.buggy().stream(), r.fixed().stream()))
                .filter(p -> p instanceof Probe.InProcess ip && ip.check() instanceof RaceCheck)
                .map(p -> ((Probe.InProcess) p).check());
    }

    /** Every other owned probe, from the first ({@code half} 0) or the second (1): two test classes, two forks. */
    static Stream<Check> half(int half) {
        List<Check> all = ownedChecks().toList();
        return java.util.stream.IntStream.range(0, all.size()).filter(i -> i % 2 == half).mapToObj(all::get);
    }

    static Stream<Check> firstHalf() {
        return half(0);
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("firstHalf")
    void ownedProbeGivesItsVerdict(Check check) {
        assertOwnedVerdict(check);
    }

    static void assertOwnedVerdict(Check check) {
        CheckResult r = check.run();
        System.out.printf("%-8s %-34s %-16s %-7s %6d ms%n", r.chapter(), r.name(), r.tool(), r.verdict(), r.millis());
        if (!r.detail().isEmpty()) {
            System.out.println(r.detail());
        }
        assertThat(r.verdict().ok())
                .as("%s expected %s but was %s; reproduce with: %s%n%s", r.name(), r.expect(), r.verdict(),
                        r.reproduce(), r.detail())
                .isTrue();
    }

    @Test
    void entriesAreWellFormed() {
        List<Race> races = Races.all();
        Set<String> ids = new HashSet<>();
        for (Race r : races) {
            assertThat(ids.add(r.id())).as("duplicate id %s", r.id()).isTrue();
            assertThat(r.buggy()).as(r.id()).allMatch(p -> p.expect() == Expect.CATCHES_BUG);
            assertThat(r.fixed()).as(r.id()).allMatch(p -> p.expect() == Expect.HOLDS);
            assertThat(r.commit()).as(r.id()).isNotBlank();
            assertThat(Races.byId(r.id().toLowerCase()).map(Race::id)).contains(r.id());
        }
        Set<String> chapterChecks = new HashSet<>();
        Catalog.all().forEach(c -> chapterChecks.add(c.chapter() + "/" + c.name()));
        ownedChecks().forEach(c -> assertThat(chapterChecks).doesNotContain(c.chapter() + "/" + c.name()));
    }

    @Test
    void everyRaceHasItsPageAndARowInTheIndex() throws Exception {
        String index = Files.readString(REPO.resolve("docs/races/README.md"));
        for (Race r : Races.all()) {
            assertThat(REPO.resolve(r.doc())).as("page of %s", r.id()).isRegularFile();
            assertThat(index).as("docs/races/README.md row for %s", r.id()).contains("[" + r.id() + "](" + r.id() + ".md)");
        }
    }
}
