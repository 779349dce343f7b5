package dev.mybrd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.check.Expect;
import dev.mybrd.check.Verdict;
import dev.mybrd.cli.Fakes.FakeCheck;
import dev.mybrd.cli.Fakes.FakeStress;
import dev.mybrd.cli.Fakes.Result;
import dev.mybrd.race.Probe;
import dev.mybrd.race.Race;
import dev.mybrd.race.Symptom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaceCommandTest {
    @TempDir
    Path dir;

    private final FakeStress stress = new FakeStress();
    private final FakeCheck caught = new FakeCheck("ramdisk", "seeded-x", Expect.CATCHES_BUG, Verdict.CAUGHT,
            "= Invalid execution results =\nthe interleaving\nDetailed trace:\nline 1\nline 2\n");
    private final FakeCheck passes = new FakeCheck("ramdisk", "x-mc", Expect.HOLDS, Verdict.PASS, "");

    private Race race(String id, FakeCheck buggy, FakeCheck fixed, Probe... more) {
        List<Probe> extra = List.of(more);
        return new Race(id, "0123456789ab", "title of " + id, "brd", Symptom.CORRUPTION, "summary of " + id,
                concat(new Probe.InProcess(buggy), extra.stream().filter(p -> p.expect() == Expect.CATCHES_BUG).toList()),
                concat(new Probe.InProcess(fixed), extra.stream().filter(p -> p.expect() == Expect.HOLDS).toList()));
    }

    private static List<Probe> concat(Probe first, List<Probe> rest) {
        java.util.ArrayList<Probe> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private Lab.Env env(List<Race> races) {
        return new Lab.Env(List::of, stress, Style.plain(), () -> races, dir);
    }

    @Test
    void reproducesTheBugPrintsTheInterleavingThenRunsTheFix() {
        Result r = Fakes.execute(env(List.of(race("KR-20", caught, passes))), "race", "kr-20");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("KR-20  title of KR-20").contains("buggy ramdisk/seeded-x (lincheck-mc): caught")
                .contains("the interleaving").doesNotContain("line 2").contains("add --detailed")
                .contains("fixed ramdisk/x-mc (lincheck-mc): pass")
                .contains("reproduced, fix passes").contains("all reproduced, all fixes pass");
        assertThat(r.out().indexOf("buggy ramdisk/seeded-x")).isLessThan(r.out().indexOf("fixed ramdisk/x-mc"));
        assertThat(caught.runs).isOne();
        assertThat(passes.runs).isOne();
        assertThat(stress.calls).isEmpty();
    }

    @Test
    void aBuggyVariantNotReproducedOrAFailingFixExitsOne() {
        FakeCheck missed = new FakeCheck("ramdisk", "seeded-x", Expect.CATCHES_BUG, Verdict.MISSED, "");
        FakeCheck fails = new FakeCheck("ramdisk", "x-mc", Expect.HOLDS, Verdict.FAIL, "trace of the fix");
        Result r = Fakes.execute(env(List.of(race("KR-20", missed, passes), race("KR-21", caught, fails))),
                "race", "--all");

        assertThat(r.exitCode()).isEqualTo(Lab.NOT_OK);
        assertThat(r.out()).contains("KR-20: NOT REPRODUCED, fix passes; reproduce with ./lab race KR-20")
                .contains("KR-21: reproduced, FIX FAILS").contains("trace of the fix");
    }

    @Test
    void jcstressProbesRunInOneGateCallAndTheLogFeedsTheList() throws Exception {
        stress.rows.add(Fakes.stressRow("ramdisk", "FirstWriteRaceWithoutRecheck", Expect.CATCHES_BUG, Verdict.CAUGHT,
                "outcome table"));
        stress.rows.add(Fakes.stressRow("ramdisk", "FirstWriteRace", Expect.HOLDS, Verdict.PASS, ""));
        Race kr20 = race("KR-20", caught, passes, new Probe.Jcstress("FirstWriteRaceWithoutRecheck", Expect.CATCHES_BUG),
                new Probe.Jcstress("FirstWriteRace", Expect.HOLDS));
        Result r = Fakes.execute(env(List.of(kr20)), "race", "KR-20", "--save", dir.resolve("t.txt").toString());

        assertThat(r.exitCode()).isZero();
        assertThat(stress.calls).hasSize(1);
        assertThat(stress.calls.get(0).filter()).isEqualTo("([.$]FirstWriteRaceWithoutRecheck$|[.$]FirstWriteRace$)");
        assertThat(r.out()).contains("KR-20 buggy FirstWriteRaceWithoutRecheck: caught").contains("outcome table");
        assertThat(Files.readString(dir.resolve("t.txt"))).contains("the interleaving").contains("line 2");

        Result list = Fakes.execute(env(List.of(kr20)), "races");
        assertThat(list.out()).contains("KR-20").contains("lincheck-mc+jcstress").contains("reproduced, fix passes");
    }

    @Test
    void unknownIdOrNoIdIsAUsageErrorAndRunsNothing() {
        Result r = Fakes.execute(env(List.of(race("KR-20", caught, passes))), "race", "KR-99");
        assertThat(r.exitCode()).isEqualTo(Lab.USAGE);
        assertThat(r.err()).contains("unknown race 'KR-99'; valid ids: KR-20");
        assertThat(Fakes.execute(env(List.of()), "race").exitCode()).isEqualTo(Lab.USAGE);
        assertThat(Fakes.execute(env(List.of()), "race", "KR-20", "--all").exitCode()).isEqualTo(Lab.USAGE);
        assertThat(caught.runs).isZero();
    }

    @Test
    void theListSaysNotRunBeforeAnyRun() {
        Result r = Fakes.execute(env(List.of(race("KR-20", caught, passes))), "races");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("KR-20  0123456789ab  corruption  lincheck-mc  not run  title of KR-20").contains("1 race.");
    }
}
