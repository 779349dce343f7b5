package dev.mybrd.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mybrd.block.Bio;
import dev.mybrd.block.BlkStatus;
import dev.mybrd.block.PartStat;
import dev.mybrd.block.ReqOp;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.mm.Page;
import org.junit.jupiter.api.Test;

/** mybrd's ch03 accounting through generic_{start,end}_io_acct, and the in_flight leak. */
class MyBrdStatsTest {
    private final Kernel kernel = new Kernel(2);

    private static MyBrd disk(Kernel kernel, boolean leak) {
        MyBrd.Config c = MyBrd.Config.defaults().withCapacity(4L * Page.PAGE_SIZE).withPageLimit(1);
        return new MyBrd(kernel, leak ? c.withBug(Bug.IN_FLIGHT_LEAK_ON_ERROR) : c);
    }

    private BlkStatus submit(MyBrd disk, Bio bio) {
        return kernel.runOn(0, "io", () -> {
            disk.submitBio(bio);
            return bio.status();
        });
    }

    private static Bio write(long sector, int len) {
        return Bio.of(ReqOp.WRITE, sector).addPage(Page.buffer(), len, 0);
    }

    private static Bio read(long sector, int len) {
        return Bio.of(ReqOp.READ, sector).addPage(Page.buffer(), len, 0);
    }

    private long[] stat(MyBrd disk) {
        return PartStat.parseStatLine(kernel.runOn(1, "cat", () -> disk.stats().partStatShow()));
    }

    @Test
    void everyBioThatReachesTheDriverIsAccountedOnce() {
        MyBrd d = disk(kernel, false);
        assertThat(submit(d, write(0, 4096))).isEqualTo(BlkStatus.OK);
        assertThat(submit(d, read(0, 1024))).isEqualTo(BlkStatus.OK);
        assertThat(submit(d, Bio.discard(0, 8))).isEqualTo(BlkStatus.OK); // counts as a write
        assertThat(submit(d, read(40, 512))).isEqualTo(BlkStatus.IOERR); // beyond the end: never reaches mybrd
        assertThat(stat(d)).containsExactly(1, 0, 2, 0, 2, 0, 16, 0, 0, 0, 0);
    }

    @Test
    void aFailedWriteIsAccountedAndItsInFlightGivenBack() {
        MyBrd d = disk(kernel, false);
        assertThat(submit(d, write(0, 512))).isEqualTo(BlkStatus.OK);
        assertThat(submit(d, write(8, 512))).isEqualTo(BlkStatus.NOSPC);
        assertThat(submit(d, Bio.discard(1, 8))).isEqualTo(BlkStatus.IOERR);
        d.jiffies().advance(4);
        long[] s = stat(d);
        assertThat(s[4]).as("write ios").isEqualTo(3);
        assertThat(s[8]).as("in_flight").isZero();
        assertThat(s[9]).as("io_ticks of an idle disk").isZero();
    }

    @Test
    void seededLeakLeavesInFlightUpAndIoTicksRunning() {
        MyBrd d = disk(kernel, true);
        assertThat(submit(d, write(0, 512))).isEqualTo(BlkStatus.OK);
        assertThat(submit(d, write(8, 512))).isEqualTo(BlkStatus.NOSPC);
        d.jiffies().advance(4);
        long[] s = stat(d);
        assertThat(s[4]).isEqualTo(2);
        assertThat(s[8]).as("in_flight after the I/O stopped").isEqualTo(1);
        assertThat(s[9]).as("io_ticks keep counting").isEqualTo(4);
    }

    @Test
    void ticksAreTheJiffiesBetweenStartAndEnd() {
        MyBrd d = disk(kernel, false);
        Bio bio = read(0, 512).onEnd(b -> d.jiffies().advance(2)); // time passes before the end accounting
        assertThat(submit(d, bio)).isEqualTo(BlkStatus.OK);
        assertThat(stat(d)[3]).as("read ticks").isEqualTo(2);
    }
}
