package dev.mybrd.stress;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a jcstress test class as a check the {@link Gate} runs, and says what it checks.
 *
 * <p>A check of the correct model ({@code seeded = ""}) must never show a FORBIDDEN outcome. A
 * seeded check runs the same outcome specification against a model with one bug switched on and
 * must show a FORBIDDEN outcome; if it does not, the check is too weak to catch that bug.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StressCheck {
    /** Tutorial chapter the check belongs to, e.g. {@code "ramdisk"}. */
    String chapter();

    /** Property checked, with its number from the spec, e.g. {@code "P4 first writers share one page"}. */
    String property();

    /** Name of the seeded bug switched on, or {@code ""} for a check of the correct model. */
    String seeded();
}
