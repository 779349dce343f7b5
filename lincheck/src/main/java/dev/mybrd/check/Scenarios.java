package dev.mybrd.check;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;

/**
 * Hand-written Lincheck scenarios from Java (Lincheck's own scenario DSL is Kotlin-only): the exact
 * race a check must explore, so that model checking meets it on every run rather than by chance.
 */
public final class Scenarios {
    private final Class<?> testClass;
    private final List<Actor> initial = new ArrayList<>();
    private final List<List<Actor>> parallel = new ArrayList<>();
    private final List<Actor> post = new ArrayList<>();

    private Scenarios(Class<?> testClass) {
        this.testClass = testClass;
    }

    /** Starts a scenario over the operations of {@code testClass}. */
    public static Scenarios of(Class<?> testClass) {
        return new Scenarios(testClass);
    }

    /** An operation call: the method's name and its arguments. */
    public record Call(String method, Object... args) {
    }

    public static Call call(String method, Object... args) {
        return new Call(method, args);
    }

    public Scenarios initial(Call... calls) {
        initial.addAll(actors(calls));
        return this;
    }

    /** Adds one parallel thread running {@code calls} in order. */
    public Scenarios thread(Call... calls) {
        parallel.add(actors(calls));
        return this;
    }

    public Scenarios post(Call... calls) {
        post.addAll(actors(calls));
        return this;
    }

    public ExecutionScenario build() {
        return new ExecutionScenario(initial, parallel, post, null);
    }

    private List<Actor> actors(Call... calls) {
        List<Actor> actors = new ArrayList<>();
        for (Call c : calls) {
            actors.add(new Actor(method(c), Arrays.asList(c.args()), false, false, false, false, false));
        }
        return actors;
    }

    private Method method(Call c) {
        for (Method m : testClass.getMethods()) {
            if (m.getName().equals(c.method()) && m.getParameterCount() == c.args().length) {
                return m;
            }
        }
        throw new IllegalArgumentException(testClass.getSimpleName() + " has no operation " + c.method()
                + " with " + c.args().length + " parameters");
    }
}
