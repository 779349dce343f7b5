package dev.mybrd.kcsan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.kernel.Kernel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watchpoint detector: a write inside a plain read's window is reported, nothing else is. */
class KcsanTest {
    private final Kernel kernel = new Kernel(2);
    private final Kcsan kcsan = new Kcsan(kernel);
    private final Object object = new Object();

    /** Runs {@code body} as a task on CPU 1 from inside CPU 0's task, and waits for it. */
    private void onCpu1(Runnable body) {
        Thread t = new Thread(() -> kernel.runOn(1, "writer", body));
        t.start();
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void writeFromAnotherCpuInsideTheWindowIsReported() {
        AtomicInteger loads = new AtomicInteger();
        int v = kernel.runOn(0, "reader", () -> kcsan.readPlain(object, "f", "reader_fn", () -> {
            if (loads.incrementAndGet() == 2) { // the re-load: the window is open
                onCpu1(() -> kcsan.write(object, "f", "writer_fn"));
            }
            return 1;
        }));
        assertThat(v).isEqualTo(1);
        assertThat(kcsan.reports()).singleElement().asString()
                .contains("BUG: KCSAN: data-race in reader_fn / writer_fn").contains("CPU0").contains("CPU1");
        assertThat(kernel.dmesg()).anyMatch(l -> l.contains("KCSAN"));
    }

    @Test
    void aValueChangedUnderTheWatchIsReportedEvenWithoutTheWriter() {
        AtomicInteger loads = new AtomicInteger();
        kernel.runOn(0, "reader", () -> kcsan.readPlain(object, "f", "reader_fn", loads::incrementAndGet));
        assertThat(kcsan.reports()).singleElement().asString().contains("value changed: 1 -> 2");
    }

    @Test
    void writesOutsideTheWindowOrOnTheSameCpuOrToOtherFieldsAreNotReported() {
        kernel.runOn(1, "writer", () -> kcsan.write(object, "f", "writer_fn"));
        kernel.runOn(0, "reader", () -> kcsan.readPlain(object, "f", "reader_fn", () -> 1));
        AtomicInteger loads = new AtomicInteger();
        kernel.runOn(0, "reader", () -> kcsan.readPlain(object, "f", "reader_fn", () -> {
            if (loads.incrementAndGet() == 2) {
                kcsan.write(object, "f", "same_cpu"); // an interrupt on the reader's CPU is not "concurrent" here
                onCpu1(() -> kcsan.write(new Object(), "f", "other_object"));
                onCpu1(() -> kcsan.write(object, "g", "other_field"));
            }
            return 1;
        }));
        assertThat(kcsan.reports()).isEmpty();
    }
}
