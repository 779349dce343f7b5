package dev.mybrd.lincheck.rcu;

/**
 * The sequential specification of {@code gbl_foo}: a counter {@code a} starting at 1 that each
 * update or retire increments, read by readers; {@code barrier} answers how many retired objects
 * were freed, which after {@code rcu_barrier} is every one retired before it, each once.
 */
public class FooSpec {
    private int a = 1;
    private int retired;

    public int read(int cpu) {
        return a;
    }

    public int update(int cpu) {
        a++;
        return 0;
    }

    public int retire(int cpu) {
        a++;
        retired++;
        return 0;
    }

    public int barrier(int cpu) {
        return retired;
    }
}
