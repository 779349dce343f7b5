package dev.mybrd.driver;

/**
 * How the RAM disk handles a discard: v4.4's design (the default), or one of the two later brd
 * designs, selected explicitly through {@link MyBrd#MyBrd(dev.mybrd.kernel.Kernel, MyBrd.Config,
 * DiscardMode)} to reproduce race KR-21. None of them is a seeded bug of the v4.4 model: the later
 * kernels' code is modelled as it was, before and after its fix.
 */
public enum DiscardMode {
    /**
     * v4.4 {@code discard_from_brd}: each whole page of the range is zero-filled in place
     * ({@code brd_zero_page}) and stays allocated. Pages are never freed while the device exists, so
     * a reader may use a page it looked up after leaving the RCU read side.
     */
    V4_4_ZERO_FILL,
    /**
     * 9ead7efc6f3f "brd: implement discard support" (2023): {@code brd_do_discard} erases each whole
     * page of the range from the tree under the tree's lock and frees it at once with
     * {@code __free_page}. Readers and writers still look the page up and copy outside any RCU read
     * side, and a write still has {@code BUG_ON(!page)} after its lookup: a discard between a
     * lookup and its copy frees the page under the copy (use-after-free), or empties the slot under
     * a write that has already made sure the page exists (BUG).
     */
    FREE_AT_ONCE,
    /**
     * 0e8acffc1be1 "brd: protect page with rcu" (2025): {@code brd_rw_bvec} holds
     * {@code rcu_read_lock} from the lookup to the end of the copy, and the discard frees each
     * erased page with {@code call_rcu}, after a grace period. A write whose page vanished skips the
     * copy (a later read returns zeros, as after the discard) instead of {@code BUG_ON}.
     */
    FREE_AFTER_GRACE_PERIOD
}
