package dev.mybrd.cli;

import dev.mybrd.race.Race;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./lab races}: the race catalog, without running anything. The status column is the last
 * outcome of {@code ./lab race} in this checkout, or "not run".
 */
@Command(name = "races", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class,
        description = {"Lists the race catalog: id, fixing commit, symptom, tools, last status and title.",
            "Run one with './lab race ID', all with './lab race --all'."})
final class RacesCommand implements Callable<Integer> {
    private final Lab.Env env;

    @Spec
    CommandSpec spec;

    RacesCommand(Lab.Env env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, RaceLog.Entry> log = new RaceLog(env.resultsDir()).read();
        List<List<String>> rows = new ArrayList<>();
        for (Race r : env.races().get()) {
            RaceLog.Entry e = log.get(r.id());
            rows.add(List.of(r.id(), r.commit(), r.symptom().label(), String.join("+", r.tools()),
                    e == null ? "not run" : e.status(), r.title()));
        }
        out.print(ListCommand.columns(List.of("ID", "COMMIT", "SYMPTOM", "TOOLS", "STATUS", "TITLE"), rows, ""));
        out.println();
        out.println(rows.size() + (rows.size() == 1 ? " race" : " races") + ". Pages: docs/races/README.md. Reproduce one: ./lab race ID");
        out.flush();
        return Lab.OK;
    }
}
