package dev.mybrd.cli;

import dev.mybrd.check.Catalog;
import dev.mybrd.check.Check;
import dev.mybrd.race.Race;
import dev.mybrd.race.Races;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code ./lab}: the command-line front of the lab.
 *
 * <p>Design: the commands are plain picocli objects built around an {@link Env}, which says where the
 * checks come from (the Lincheck {@link Catalog}, run in this JVM) and how the jcstress part runs (a
 * {@link Stress}, by default the stress module's gate in a child JVM). The unit tests build the same
 * command line over fakes and drive it with {@link CommandLine#execute}, so argument handling, the
 * table and the exit codes are tested without running a Lincheck suite or forking a JVM.
 *
 * <p>Exit codes: 0 when every verdict is the wanted one, 1 when one is not (or the lab itself failed),
 * 2 for a usage error, in which case nothing has run.
 */
@Command(name = "lab", mixinStandardHelpOptions = true, versionProvider = Lab.Version.class,
        subcommands = CommandLine.HelpCommand.class,
        description = {
            "Runs the concurrency checks of the mybrd-lab model: Lincheck checks in this JVM, then the"
                    + " jcstress tests through the stress module's gate, and prints a verdict table.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./lab list",
            "  ./lab check                          every chapter",
            "  ./lab check ramdisk                  one chapter",
            "  ./lab check ramdisk --only per-sector-mc --trace",
            "  ./lab check --no-stress --json lab-results/verdicts.json",
            "  ./lab io --jobs 4 --ops 100000       a verified workload through the RAM disk",
            "  ./lab races                          the race catalog",
            "  ./lab race KR-20                     reproduce one race, then run its fix",
            "",
            "Exit codes: 0 every verdict as expected (io: every bio accounted for and right), 1 not,"
                    + " 2 usage error (nothing run).",
            "Colour only on a terminal; set NO_COLOR to turn it off."
        })
public final class Lab implements Callable<Integer> {
    public static final int OK = 0;
    public static final int NOT_OK = 1;
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /**
     * What the commands run against.
     *
     * @param checks the Lincheck checks of every chapter
     * @param stress the jcstress side
     * @param style colour or not
     * @param devices the device {@code lab io} drives
     * @param races the race catalog
     * @param resultsDir where runs leave their files ({@code lab-results/})
     */
    public record Env(Supplier<List<Check>> checks, Stress stress, Style style, IoDevices devices,
                      Supplier<List<Race>> races, Path resultsDir) {
        /** The real mybrd for {@code lab io} and the real race catalog (the tests' usual setup). */
        public Env(Supplier<List<Check>> checks, Stress stress, Style style) {
            this(checks, stress, style, IoDevices.MYBRD, Races::all, Path.of("lab-results"));
        }

        /** As the three-argument form, with another device for {@code lab io}. */
        public Env(Supplier<List<Check>> checks, Stress stress, Style style, IoDevices devices) {
            this(checks, stress, style, devices, Races::all, Path.of("lab-results"));
        }

        /** As the three-argument form, with another race catalog and results directory. */
        public Env(Supplier<List<Check>> checks, Stress stress, Style style, Supplier<List<Race>> races,
                   Path resultsDir) {
            this(checks, stress, style, IoDevices.MYBRD, races, resultsDir);
        }

        /** The real thing, with paths relative to the working directory (./lab runs from the root). */
        public static Env real() {
            return new Env(Catalog::all,
                    new JcstressGate(Path.of("stress", "target", "jcstress.jar"), Path.of("lab-results")),
                    Style.detect(), IoDevices.MYBRD, Races::all, Path.of("lab-results"));
        }
    }

    /** With no subcommand there is nothing to do: show the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** The command line over {@code env}, with the lab's error handling. */
    public static CommandLine commandLine(Env env) {
        CommandLine cl = new CommandLine(new Lab());
        cl.addSubcommand(new ListCommand(env));
        cl.addSubcommand(new CheckCommand(env));
        cl.addSubcommand(new IoCommand(env));
        cl.addSubcommand(new RacesCommand(env));
        cl.addSubcommand(new RaceCommand(env));
        cl.setColorScheme(Help.defaultColorScheme(env.style().color() ? Help.Ansi.ON : Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("lab: " + ex.getMessage());
            UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter err = c.getErr();
            err.println("lab: failed: " + ex);
            ex.printStackTrace(err);
            err.flush();
            return NOT_OK;
        });
        return cl;
    }

    public static void main(String[] args) {
        int code = commandLine(Env.real()).execute(args);
        System.exit(code);
    }

    /** The versions, from the properties Maven filtered into the jar. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = properties();
            return new String[] {
                "mybrd-lab " + p.getProperty("version", "unknown"),
                "Lincheck " + p.getProperty("lincheck", "?") + ", jcstress " + p.getProperty("jcstress", "?")
                        + ", picocli " + p.getProperty("picocli", "?"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") at "
                        + System.getProperty("java.home")
            };
        }

        /** The lab's version, for the JSON file. */
        public static String lab() {
            return properties().getProperty("version", "unknown");
        }

        private static Properties properties() {
            Properties p = new Properties();
            try (InputStream in = Lab.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // Versions are informative only.
            }
            return p;
        }
    }
}
