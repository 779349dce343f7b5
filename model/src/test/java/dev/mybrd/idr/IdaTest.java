package dev.mybrd.idr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mybrd.kernel.AtomicSleepBug;
import dev.mybrd.kernel.Errno;
import dev.mybrd.kernel.Kernel;
import dev.mybrd.kernel.KernelBug;
import dev.mybrd.locking.SpinLock;
import dev.mybrd.mm.Gfp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IdaTest {
    private static final int GFP_KERNEL = Gfp.NOIO;
    private static final int ENOSPC = Errno.ENOSPC.negative();
    private static final int EINVAL = Errno.EINVAL.negative();
    private static final int ENOMEM = Errno.ENOMEM.negative();
    private final Kernel kernel = new Kernel(4);
    private final Ida ida = new Ida(kernel, "test_ida");

    private <T> T on(Callable<T> body) {
        return kernel.runOn(0, "test", body);
    }

    private int get(Ida i, int start, int end) {
        return on(() -> i.simpleGet(start, end, GFP_KERNEL));
    }

    private int remove(Ida i, int id) {
        return on(() -> i.simpleRemove(id));
    }

    @Test
    void handsOutIdsInOrderAcrossLeavesWellPast1024() {
        for (int i = 0; i <= 3000; i++) {
            assertThat(get(ida, 0, 0)).isEqualTo(i);
        }
        assertThat(ida.allocatedIds()).hasSize(3001).first().isEqualTo(0);
        assertThat(ida.allocatedIds().last()).isEqualTo(3000);
        assertThat(ida.checkInvariants()).isNull();
        assertThat(ida.layers()).isEqualTo(1); // leaves 0..3 of 960 ids fit in one 256-slot layer
    }

    @Test
    void returnsTheSmallestFreeIdAtOrAboveStart() {
        for (int i = 0; i <= 3000; i++) {
            get(ida, 0, 0);
        }
        for (int id : new int[] {5, 959, 960, 1919, 2500}) {
            assertThat(remove(ida, id)).isZero();
        }
        assertThat(get(ida, 0, 0)).isEqualTo(5);
        assertThat(get(ida, 900, 0)).isEqualTo(959);
        assertThat(get(ida, 0, 0)).isEqualTo(960);
        assertThat(get(ida, 1000, 0)).isEqualTo(1919);
        assertThat(get(ida, 2001, 0)).isEqualTo(2500);
        assertThat(get(ida, 0, 0)).isEqualTo(3001);
        assertThat(get(ida, 2999, 0)).isEqualTo(3002);
        assertThat(ida.checkInvariants()).isNull();
    }

    @Test
    void aFullLeafIsSkippedAndReusedOnceAnIdInItIsFreed() {
        for (int i = 0; i < 960; i++) {
            get(ida, 0, 0);
        }
        assertThat(get(ida, 0, 0)).isEqualTo(960); // leaf 0 is marked full
        assertThat(remove(ida, 17)).isZero();        // clears the mark
        assertThat(get(ida, 0, 0)).isEqualTo(17);
        assertThat(get(ida, 0, 0)).isEqualTo(961);
        assertThat(ida.checkInvariants()).isNull();
    }

    @Test
    void growsTheTreeForLargeStartsAndStopsBelowTwoToThe31() {
        assertThat(get(ida, 5000, 0)).isEqualTo(5000);
        assertThat(get(ida, 0, 0)).isZero();
        assertThat(get(ida, 1_000_000, 0)).isEqualTo(1_000_000); // leaf 1041: two layers
        assertThat(ida.layers()).isEqualTo(2);
        assertThat(get(ida, Integer.MAX_VALUE, 0)).isEqualTo(Integer.MAX_VALUE); // leaf 2236962: three layers
        assertThat(ida.layers()).isEqualTo(3);
        assertThat(get(ida, Integer.MAX_VALUE, 0)).isEqualTo(ENOSPC);
        assertThat(ida.allocatedIds()).containsExactly(0, 5000, 1_000_000, Integer.MAX_VALUE);
        assertThat(ida.checkInvariants()).isNull();
        assertThat(remove(ida, Integer.MAX_VALUE)).isZero();
        assertThat(remove(ida, 1_000_000)).isZero();
        assertThat(ida.layers()).isEqualTo(1); // shrinks one layer per removal that leaves a lone leftmost child
        assertThat(ida.checkInvariants()).isNull();
    }

    @Test
    void endIsExclusiveAndZeroMeansNoLimit() {
        assertThat(IntStream.range(0, 3).map(i -> get(ida, 0, 3))).containsExactly(0, 1, 2);
        assertThat(get(ida, 0, 3)).isEqualTo(ENOSPC);
        assertThat(get(ida, 2, 2)).isEqualTo(ENOSPC); // end == start: legal, empty range
        assertThat(ida.allocatedIds()).containsExactly(0, 1, 2);
        assertThat(get(ida, 1, 0)).isEqualTo(3);
        assertThat(ida.checkInvariants()).isNull();
    }

    @Test
    void anIdPastEndIsGivenBackWithoutLeakingItsLeaf() {
        long before = on(() -> {
            ida.preGet(GFP_KERNEL);
            return ida.objectsInUse();
        });
        assertThat(get(ida, 2000, 1500 + 960)).isEqualTo(2000);
        assertThat(remove(ida, 2000)).isZero();
        assertThat(get(ida, 5000, 5001)).isEqualTo(5000);
        assertThat(get(ida, 5000, 5001)).isEqualTo(ENOSPC); // 5001 was taken and given back
        assertThat(ida.allocatedIds()).containsExactly(5000);
        assertThat(remove(ida, 5000)).isZero();
        assertThat(ida.allocatedIds()).isEmpty();
        assertThat(ida.layers()).isZero();
        assertThat(ida.objectsInUse()).isLessThanOrEqualTo(before);
    }

    @Test
    void badRangesAnswerEinvalAndChangeNothing() {
        get(ida, 0, 0);
        long objects = ida.objectsInUse();
        assertThat(get(ida, -1, 0)).isEqualTo(EINVAL);
        assertThat(get(ida, 0, -1)).isEqualTo(EINVAL);
        assertThat(get(ida, 5, 4)).isEqualTo(EINVAL);
        assertThat(on(() -> ida.getNewAbove(-3))).isEqualTo(EINVAL);
        assertThat(remove(ida, -1)).isEqualTo(EINVAL);
        assertThat(ida.allocatedIds()).containsExactly(0);
        assertThat(ida.objectsInUse()).isEqualTo(objects);
        assertThat(ida.warnings()).isZero();
    }

    @Test
    void removingAFreeIdWarnsAndChangesNothing() {
        for (int i = 0; i < 970; i++) {
            get(ida, 0, 0);
        }
        assertThat(remove(ida, 3)).isZero();
        long objects = ida.objectsInUse();
        SortedSet<Integer> held = ida.allocatedIds();
        assertThat(remove(ida, 3)).isEqualTo(EINVAL);        // double remove, leaf exists
        assertThat(remove(ida, 980)).isEqualTo(EINVAL);      // free id in the second leaf
        assertThat(remove(ida, 5000)).isEqualTo(EINVAL);     // no leaf there
        assertThat(remove(ida, 1 << 30)).isEqualTo(EINVAL);  // beyond the tree
        assertThat(ida.warnings()).isEqualTo(4);
        assertThat(kernel.dmesg()).contains("ida_remove called for id=3 which is not allocated.",
                "ida_remove called for id=1073741824 which is not allocated.");
        assertThat(kernel.dmesg()).anyMatch(l -> l.startsWith("WARNING: CPU: 0 PID: test at lib/idr.c"));
        assertThat(ida.allocatedIds()).isEqualTo(held);
        assertThat(ida.objectsInUse()).isEqualTo(objects);
        assertThat(ida.checkInvariants()).isNull();
        assertThat(get(ida, 0, 0)).isEqualTo(3);
        assertThat(get(ida, 0, 0)).isEqualTo(970);
    }

    @Test
    void removingEverythingGivesTheMemoryBack() {
        int spareLayers = IdrGeometry.V4_4.maxIdrFree();
        for (int i = 0; i <= 3000; i++) {
            get(ida, 0, 0);
        }
        get(ida, 1_000_000, 0);
        for (int id : ida.allocatedIds()) {
            assertThat(remove(ida, id)).isZero();
        }
        assertThat(ida.layers()).isZero();
        assertThat(ida.objectsInUse()).isLessThanOrEqualTo(spareLayers + 1); // free list and the spare bitmap
        on(() -> {
            ida.destroy();
            return null;
        });
        assertThat(ida.objectsInUse()).isZero();
    }

    @Test
    void outOfMemoryAnswersEnomemAndAllocatesNothing() {
        Ida none = new Ida(kernel, "none", Ida.Config.defaults().withObjectLimit(0));
        assertThat(get(none, 0, 0)).isEqualTo(ENOMEM);
        int layers = IdrGeometry.V4_4.maxIdrFree();
        Ida noBitmap = new Ida(kernel, "no_bitmap", Ida.Config.defaults().withObjectLimit(layers));
        assertThat(get(noBitmap, 0, 0)).isEqualTo(ENOMEM); // the layers fit, the leaf bitmap does not
        assertThat(noBitmap.allocatedIds()).isEmpty();
        assertThat(noBitmap.objectsInUse()).isEqualTo(layers);
        // ida_pre_get always wants MAX_IDR_FREE spare layers and a spare bitmap, the worst case of one
        // allocation; with room for one more layer and two bitmaps, the third allocation cannot get them.
        Ida tight = new Ida(kernel, "tight", Ida.Config.defaults().withObjectLimit(layers + 3));
        assertThat(get(tight, 0, 0)).isZero();
        assertThat(get(tight, 0, 0)).isEqualTo(1);
        assertThat(get(tight, 960, 0)).isEqualTo(960);
        assertThat(get(tight, 0, 0)).isEqualTo(ENOMEM);
        assertThat(tight.allocatedIds()).containsExactly(0, 1, 960);
        assertThat(tight.checkInvariants()).isNull();
    }

    @Test
    void matchesASortedSetOnRandomOperations() {
        for (IdrGeometry g : List.of(IdrGeometry.V4_4, IdrGeometry.small(2, 2, 8), IdrGeometry.small(1, 1, 6))) {
            Ida i = new Ida(kernel, "random", Ida.Config.defaults().withGeometry(g));
            TreeSet<Integer> spec = new TreeSet<>();
            Random rnd = new Random(4_4_0);
            int limit = (int) Math.min(g.maxIdrBit(), 3000);
            for (int op = 0; op < 4000; op++) {
                if (rnd.nextInt(3) > 0) {
                    int start = rnd.nextInt(limit);
                    int end = rnd.nextInt(4) == 0 ? 0 : start + rnd.nextInt(8);
                    int expected = expectedGet(spec, start, end, g);
                    assertThat(get(i, start, end)).as("%s get(%d, %d) op %d", g, start, end, op).isEqualTo(expected);
                    if (expected >= 0) {
                        spec.add(expected);
                    }
                } else {
                    Integer held = spec.ceiling(rnd.nextInt(limit));
                    int id = held == null || rnd.nextInt(4) == 0 ? rnd.nextInt(limit) : held;
                    assertThat(remove(i, id)).as("%s remove(%d) op %d", g, id, op).isEqualTo(spec.remove(id) ? 0 : EINVAL);
                }
                assertThat(i.checkInvariants()).as("%s after op %d", g, op).isNull();
            }
            assertThat(i.allocatedIds()).isEqualTo(spec);
        }
    }

    private static int expectedGet(TreeSet<Integer> spec, int start, int end, IdrGeometry g) {
        int id = start;
        while (spec.contains(id)) {
            id++;
        }
        if (id >= g.maxIdrBit() || (end != 0 && id >= end)) {
            return ENOSPC;
        }
        return id;
    }

    @Test
    void aSmallTreeGrowsToTheEndOfTheIdSpaceAndShrinksBack() {
        IdrGeometry g = IdrGeometry.small(2, 2, 8); // 4 slots per layer, 2 ids per leaf, ids below 256
        Ida small = new Ida(kernel, "small", Ida.Config.defaults().withGeometry(g));
        for (int i = 0; i < 256; i++) {
            assertThat(get(small, 0, 0)).isEqualTo(i);
        }
        assertThat(small.layers()).isEqualTo(4);
        assertThat(small.checkInvariants()).isNull();
        for (int i = 255; i >= 0; i--) {
            assertThat(remove(small, i)).isZero();
            assertThat(small.checkInvariants()).isNull();
        }
        assertThat(small.layers()).isZero();
        assertThat(small.objectsInUse()).isLessThanOrEqualTo(g.maxIdrFree() + 1);
    }

    @Test
    void enospcAtTheEndOfTheIdSpaceLeavesItsPathUntilDestroy() {
        IdrGeometry g = IdrGeometry.small(2, 2, 8);
        Ida small = new Ida(kernel, "small", Ida.Config.defaults().withGeometry(g));
        for (int i = 0; i < 256; i++) {
            get(small, 0, 0);
        }
        // sub_alloc builds the layers down to leaf slot 128 before ida_get_new_above sees that
        // 128 * 2 is past MAX_IDR_BIT; as in the kernel they stay, empty, and keep the top from shrinking.
        assertThat(get(small, 0, 0)).isEqualTo(ENOSPC);
        for (int i = 0; i < 256; i++) {
            assertThat(remove(small, i)).isZero();
        }
        assertThat(small.allocatedIds()).isEmpty();
        assertThat(small.layers()).isEqualTo(4);
        assertThat(small.checkInvariants()).isNull();
        assertThat(get(small, 0, 0)).isZero();
        assertThat(remove(small, 0)).isZero();
        on(() -> {
            small.destroy();
            return null;
        });
        assertThat(small.objectsInUse()).isZero();
        assertThat(small.layers()).isZero();
    }

    @Test
    void destroyLeaksTheBitmapsOfIdsStillHeldAsV44Does() {
        get(ida, 0, 0);
        get(ida, 960, 0);
        on(() -> {
            ida.destroy();
            return null;
        });
        assertThat(ida.objectsInUse()).isEqualTo(2);
    }

    @Test
    void mayNotBeCalledWithABlockingMaskInAtomicContext() {
        SpinLock other = new SpinLock(kernel, "driver_lock");
        assertThatThrownBy(() -> on(() -> {
            other.lock();
            try {
                return ida.simpleGet(0, 0, GFP_KERNEL);
            } finally {
                other.unlock();
            }
        })).isInstanceOf(AtomicSleepBug.class).hasMessageContaining("driver_lock");
        int id = on(() -> {
            other.lock();
            try {
                return ida.simpleGet(0, 0, Gfp.ATOMIC);
            } finally {
                other.unlock();
            }
        });
        assertThat(id).isZero();
    }

    @Test
    void seededNoPreGetLivelocksAndIsReported() {
        Ida broken = new Ida(kernel, "broken", Ida.Config.defaults().withBug(IdaBug.NO_PRE_GET));
        assertThatThrownBy(() -> get(broken, 0, 0)).isInstanceOf(KernelBug.class)
                .hasMessageContaining("-EAGAIN " + Ida.MAX_EAGAIN_RETRIES + " times").hasMessageContaining("ida_pre_get");
    }

    @Test
    void seededPreGetUnderLockSleepsInAtomicContext() {
        Ida broken = new Ida(kernel, "broken", Ida.Config.defaults().withBug(IdaBug.PRE_GET_UNDER_LOCK));
        assertThatThrownBy(() -> get(broken, 0, 0)).isInstanceOf(AtomicSleepBug.class)
                .hasMessageContaining("simple_ida_lock");
        assertThat(on(() -> broken.simpleGet(0, 0, Gfp.ATOMIC))).isZero(); // GFP_ATOMIC never sleeps
        assertThat(on(() -> broken.simpleGet(0, 0, Gfp.ATOMIC))).isEqualTo(1);
    }

    @Test
    void idasOfOneMachineShareSimpleIdaLock() {
        assertThat(SimpleIdaLock.of(kernel)).isSameAs(SimpleIdaLock.of(kernel));
        assertThat(SimpleIdaLock.of(new Kernel(1))).isNotSameAs(SimpleIdaLock.of(kernel));
    }

    @Test
    void concurrentTasksNeverShareAnId() throws InterruptedException {
        Set<Integer> owned = ConcurrentHashMap.newKeySet();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int cpu = 0; cpu < 4; cpu++) {
            int me = cpu;
            threads.add(new Thread(() -> {
                try {
                    Random rnd = new Random(me);
                    List<Integer> mine = new ArrayList<>();
                    for (int op = 0; op < 800; op++) {
                        if (mine.isEmpty() || rnd.nextInt(3) > 0) {
                            int id = kernel.runOn(me, "t" + me, () -> ida.simpleGet(rnd.nextInt(2000), 0, GFP_KERNEL));
                            if (id < 0 || !owned.add(id)) {
                                throw new AssertionError("task " + me + " got " + id + ", already owned or an error");
                            }
                            mine.add(id);
                        } else {
                            int id = mine.remove(rnd.nextInt(mine.size()));
                            owned.remove(id);
                            int r = kernel.runOn(me, "t" + me, () -> ida.simpleRemove(id));
                            if (r != 0) {
                                throw new AssertionError("task " + me + " could not remove its id " + id + ": " + r);
                            }
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(ida.allocatedIds()).isEqualTo(new TreeSet<>(owned));
        assertThat(ida.checkInvariants()).isNull();
        assertThat(ida.warnings()).isZero();
    }

    @Test
    void aKmallocdBitmapIsPoisonedUntilTheIdaClearsIt() {
        IdrMemory memory = new IdrMemory(kernel, IdrGeometry.V4_4, 10);
        IdaBitmap b = on(() -> memory.allocBitmap(Gfp.ATOMIC));
        assertThat(b.bitmap).containsOnly(IdrMemory.POISON_INUSE);
        b.clear();
        assertThat(b.nrBusy).isZero();
        assertThat(b.bitmap).containsOnly(0L);
    }

    @Test
    void rejectsBadConfigurations() {
        assertThatThrownBy(() -> IdrGeometry.small(0, 2, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdrGeometry.small(2, 0, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdrGeometry.small(2, 2, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ida.Config.defaults().withObjectLimit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Ida(kernel, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(IdrGeometry.V4_4.maxIdrLevel()).isEqualTo(4);
        assertThat(IdrGeometry.V4_4.maxIdrFree()).isEqualTo(8);
        assertThat(IdrGeometry.V4_4.idrMax(3)).isEqualTo((1 << 24) - 1);
        assertThat(IdrGeometry.V4_4.idrMax(4)).isEqualTo(Integer.MAX_VALUE);
    }
}
