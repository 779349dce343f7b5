package dev.mybrd.kernel;

/**
 * What the kernel reports with {@code BUG()}/{@code BUG_ON()} or an oops: a broken invariant that the
 * real kernel cannot survive. The model throws it instead of corrupting its state, so a check sees
 * the failure at the step that caused it.
 */
public class KernelBug extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelBug(String message) {
        super(message);
    }

    /** {@code BUG_ON(condition)}: throws with {@code message} when the condition holds. */
    public static void bugOn(boolean condition, String message) {
        if (condition) {
            throw new KernelBug("kernel BUG: " + message);
        }
    }

    /**
     * {@code BUG_ON(condition)} whose message is built only when it fires: for hot paths, where
     * building the text on every call would cost more than the check (and add steps to every
     * model-checked interleaving).
     */
    public static void bugOn(boolean condition, java.util.function.Supplier<String> message) {
        if (condition) {
            throw new KernelBug("kernel BUG: " + message.get());
        }
    }
}
