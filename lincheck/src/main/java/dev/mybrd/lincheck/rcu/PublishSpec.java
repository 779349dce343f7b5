package dev.mybrd.lincheck.rcu;

/** The sequential specification of {@link PublishFoo}: NULL (-1) until published, then 42. */
public class PublishSpec {
    private boolean published;

    public int publish(int cpu) {
        published = true;
        return 0;
    }

    public int read(int cpu) {
        return published ? PublishFoo.A : -1;
    }
}
