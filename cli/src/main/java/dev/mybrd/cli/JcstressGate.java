package dev.mybrd.cli;

import dev.mybrd.check.CheckResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs {@code dev.mybrd.stress.Gate} from the stress module's uber jar in a child JVM and reads its
 * verdict file back.
 *
 * <p>The child runs in the results directory, because jcstress drops a {@code results/} report and a
 * {@code jcstress-results-*.bin.gz} file in its working directory and those should not litter the
 * repository. Paths handed to it are therefore absolute. The child uses the lab's own {@code java},
 * with the host flags {@code mvn verify} gives the gate. If the lab is stopped (Ctrl-C), a shutdown
 * hook kills the gate and the JVMs jcstress forked, which would otherwise keep the CPUs busy.
 *
 * <p>The test list comes from the jar itself: jcstress's own {@code TestList} reads the
 * {@code META-INF/TestList} its annotation processor wrote, in a throw-away class loader, so listing
 * costs a few hundred milliseconds and runs nothing.
 */
public final class JcstressGate implements Stress {
    static final String GATE_CLASS = "dev.mybrd.stress.Gate";
    private static final String STRESS_PACKAGE = "dev.mybrd.stress.";

    private final Path jar;
    private final Path resultsDir;

    /**
     * @param jar the stress module's uber jar
     * @param resultsDir where the verdict files go and the gate runs
     */
    public JcstressGate(Path jar, Path resultsDir) {
        this.jar = jar.toAbsolutePath().normalize();
        this.resultsDir = resultsDir.toAbsolutePath().normalize();
    }

    @Override
    public Path jar() {
        return jar;
    }

    @Override
    public boolean available() {
        return Files.isRegularFile(jar);
    }

    /** The flags for a JVM that runs jcstress: those of the stress module's {@code jcstress.host.flags}. */
    static List<String> hostFlags() {
        List<String> flags = new ArrayList<>(List.of("-XX:+UseParallelGC"));
        if (Runtime.version().feature() >= 23) {
            // jcstress touches native memory; JDK 23+ warns (and later refuses) without this.
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    /**
     * jcstress options for a mode preset, as {@code mvn verify} passes them: {@code -sc false} (one
     * compilation mode instead of all splits: the biggest saving) and {@code -jvmArgs} with the host
     * flags (which also turns off jcstress's slow JVM-flag probing).
     */
    public static List<String> modeArgs(String mode) {
        return List.of("-m", mode, "-sc", "false", "-jvmArgs", String.join(" ", hostFlags()));
    }

    @Override
    public Optional<List<StressTest>> list() {
        if (!available()) {
            return Optional.empty();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> testList = Class.forName("org.openjdk.jcstress.infra.runners.TestList", true, loader);
            @SuppressWarnings("unchecked")
            Collection<String> names = (Collection<String>) testList.getMethod("tests").invoke(null);
            Method getInfo = testList.getMethod("getInfo", String.class);
            List<StressTest> tests = new ArrayList<>();
            for (String className : names.stream().sorted().toList()) {
                Object info = getInfo.invoke(null, className);
                String description = String.valueOf(info.getClass().getMethod("description").invoke(info));
                StressTest t = describe(className, description, loader);
                if (t.chapter().isEmpty()) {
                    return Optional.empty();
                }
                tests.add(t);
            }
            return Optional.of(tests);
        } catch (IOException | ReflectiveOperationException | LinkageError | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A test's chapter, name, property and expectation: from an annotation of the stress module
     * ({@code @StressCheck}) carrying {@code chapter()}, {@code name()}, {@code property()}, and
     * {@code expect()} or {@code seeded()}, read reflectively so that the lab does not depend on the
     * stress module; failing that, the package under {@code dev.mybrd.stress} and the simple class
     * name, which is also the name the gate reports.
     */
    private static StressTest describe(String className, String description, ClassLoader loader) {
        String chapter = "";
        String name = "";
        String property = "";
        String expect = "";
        try {
            Class<?> c = Class.forName(className, false, loader);
            for (Annotation a : c.getAnnotations()) {
                chapter = chapter.isEmpty() ? element(a, "chapter") : chapter;
                name = name.isEmpty() ? element(a, "name") : name;
                property = property.isEmpty() ? element(a, "property") : property;
                expect = expect.isEmpty() ? element(a, "expect") : expect;
                // The stress module's @StressCheck says which bug is seeded ("" for none) instead.
                String seeded = element(a, "seeded");
                if (expect.isEmpty() && hasElement(a, "seeded")) {
                    expect = seeded.isEmpty() ? "HOLDS" : "CATCHES_BUG";
                }
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // Fall back to the naming convention below.
        }
        if (chapter.isEmpty() && className.startsWith(STRESS_PACKAGE)) {
            String rest = className.substring(STRESS_PACKAGE.length());
            int dot = rest.indexOf('.');
            chapter = dot > 0 ? rest.substring(0, dot) : "";
        }
        if (name.isEmpty()) {
            name = className.substring(className.lastIndexOf('.') + 1);
        }
        return new StressTest(chapter, name, className, property, expect,
                "null".equals(description) ? "" : description);
    }

    private static boolean hasElement(Annotation a, String element) {
        try {
            a.annotationType().getMethod(element);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String element(Annotation a, String element) {
        try {
            Object v = a.annotationType().getMethod(element).invoke(a);
            return v instanceof String || v instanceof Enum<?> ? v.toString() : "";
        } catch (ReflectiveOperationException e) {
            return "";
        }
    }

    /** The verdict file of a run over {@code chapter} (null: all). */
    Path verdictFile(String chapter) {
        return resultsDir.resolve("stress-" + (chapter == null ? "all" : chapter) + ".tsv");
    }

    /** The gate's command line. */
    List<String> command(String chapter, String testRegex, List<String> modeArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(hostFlags());
        cmd.add("-cp");
        cmd.add(jar.toString());
        cmd.add(GATE_CLASS);
        if (chapter != null) {
            cmd.add("--chapter");
            cmd.add(chapter);
        }
        if (testRegex != null) {
            cmd.add("-t");
            cmd.add(testRegex);
        }
        cmd.add("--out");
        cmd.add(verdictFile(chapter).toString());
        cmd.addAll(modeArgs);
        return cmd;
    }

    /** The {@code java} running the lab, so the gate gets the same JDK. */
    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    @Override
    public GateRun run(String chapter, String testRegex, List<String> modeArgs, Consumer<String> progress) {
        List<String> cmd = command(chapter, testRegex, modeArgs);
        Path tsv = verdictFile(chapter);
        long start = System.nanoTime();
        Process process;
        try {
            Files.createDirectories(resultsDir);
            // A verdict file left by an earlier run must not pass for this run's.
            Files.deleteIfExists(tsv);
            process = new ProcessBuilder(cmd).directory(resultsDir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new GateRun(cmd, List.of(), -1, millisSince(start), "could not start the jcstress gate: " + e);
        }
        Thread killer = new Thread(() -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }, "kill-jcstress-gate");
        Runtime.getRuntime().addShutdownHook(killer);
        int exit;
        try {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    progress.accept(line);
                }
            }
            exit = process.waitFor();
        } catch (IOException e) {
            killer.run();
            return new GateRun(cmd, List.of(), -1, millisSince(start), "lost the jcstress gate's output: " + e);
        } catch (InterruptedException e) {
            killer.run();
            Thread.currentThread().interrupt();
            return new GateRun(cmd, List.of(), -1, millisSince(start), "interrupted");
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running or has run.
            }
        }
        long millis = millisSince(start);
        return judge(cmd, tsv, exit, millis);
    }

    /** Reads the verdict file and checks it against the exit code. */
    static GateRun judge(List<String> cmd, Path tsv, int exit, long millis) {
        if (!Files.isRegularFile(tsv)) {
            return new GateRun(cmd, List.of(), exit, millis,
                    "the jcstress gate exited " + exit + " and wrote no verdict file " + tsv);
        }
        List<CheckResult> rows;
        try {
            rows = StressTsv.parse(Files.readAllLines(tsv, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return new GateRun(cmd, List.of(), exit, millis, "could not read " + tsv + ": " + e);
        }
        String problem = null;
        boolean allOk = rows.stream().allMatch(r -> r.verdict().ok());
        if (rows.isEmpty()) {
            problem = "the jcstress gate exited " + exit + " and reported no test (did the test filter match?)";
        } else if (exit != 0 && allOk) {
            problem = "the jcstress gate exited " + exit + " although every test it reported is as expected";
        }
        return new GateRun(cmd, rows, exit, millis, problem);
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
