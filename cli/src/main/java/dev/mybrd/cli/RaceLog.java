package dev.mybrd.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last outcome of each race run from this checkout, kept in {@code lab-results/races.tsv} so that
 * {@code ./lab races} can show a status without running anything. One line per race: id, status,
 * time to the first counterexample in milliseconds (-1 if none), ISO date of the run.
 */
final class RaceLog {
    static final String FILE = "races.tsv";

    /** One race's last outcome. */
    record Entry(String id, String status, long firstMillis, String when) {
    }

    private final Path file;

    RaceLog(Path resultsDir) {
        this.file = resultsDir.resolve(FILE);
    }

    /** The entries by id; empty if there is no file or it cannot be read. */
    Map<String, Entry> read() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return entries;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] f = line.split("\t");
                if (f.length == 4 && !line.startsWith("#")) {
                    entries.put(f[0], new Entry(f[0], f[1], parse(f[2]), f[3]));
                }
            }
        } catch (IOException e) {
            // A status is a convenience; without the file every race reads "not run".
        }
        return entries;
    }

    /** Records {@code updates} over what is there. */
    void write(List<Entry> updates) {
        Map<String, Entry> all = new TreeMap<>(read());
        updates.forEach(e -> all.put(e.id(), e));
        StringBuilder b = new StringBuilder("# id\tstatus\tfirst-counterexample-ms\twhen\n");
        all.values().forEach(e -> b.append(e.id()).append('\t').append(e.status()).append('\t')
                .append(e.firstMillis()).append('\t').append(e.when()).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + file + ": " + e.getMessage(), e);
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
