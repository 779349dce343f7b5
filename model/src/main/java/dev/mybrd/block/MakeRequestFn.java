package dev.mybrd.block;

/** {@code make_request_fn}: the driver's entry point for a bio in bio-mode. */
@FunctionalInterface
public interface MakeRequestFn {
    void makeRequest(RequestQueue q, Bio bio);
}
