package dev.mybrd.race;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One reproducible race of the catalog: a real upstream bug ({@code KR-xx}, numbered as in
 * {@code kernel-races.md}) or a mybrd defect ({@code MYBRD-xx}, numbered after the spec's section 2.8
 * items), with the model before the fix (buggy) and after it (fixed).
 *
 * <p>The buggy probes must catch the bug (their trace is the reproduction: the interleaving or the
 * outcome table); the fixed probes must pass the same check. Where the kernel fixed the bug by a
 * redesign, the fixed variant is that design.
 *
 * @param id {@code KR-04}, {@code MYBRD-02}
 * @param commit the fixing commit's hash (12 digits) or, where there is no single commit, what
 *        identifies the code (a file and year, a mybrd commit)
 * @param title the commit's title, or a short name
 * @param subsystem where it lives: {@code brd}, {@code blk-mq tags}, {@code sbitmap}, ...
 * @param symptom what users saw
 * @param summary one sentence: who races with whom and what goes wrong
 * @param buggy the probes of the model before the fix; each must catch the bug
 * @param fixed the probes of the model after the fix; each must pass
 */
public record Race(String id, String commit, String title, String subsystem, Symptom symptom, String summary,
                   List<Probe> buggy, List<Probe> fixed) {
    private static final Pattern ID = Pattern.compile("(KR|MYBRD|G)-\\d\\d");

    public Race {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("race id must look like KR-04, MYBRD-02 or G-01, got " + id);
        }
        if (buggy.isEmpty() || fixed.isEmpty()) {
            throw new IllegalArgumentException(id + ": a race needs a buggy and a fixed probe");
        }
        buggy = List.copyOf(buggy);
        fixed = List.copyOf(fixed);
    }

    /** The tools its probes use, in order of first use. */
    public Set<String> tools() {
        Set<String> tools = new LinkedHashSet<>();
        buggy.forEach(p -> tools.add(p.tool()));
        fixed.forEach(p -> tools.add(p.tool()));
        return tools;
    }

    /** Its page, relative to the repository root. */
    public String doc() {
        return "docs/races/" + id + ".md";
    }

    /** The command that reproduces it. */
    public String reproduce() {
        return "./lab race " + id;
    }
}
