package org.tfinterop;

/** How {@link Model#load(java.nio.file.Path, LoadOptions, String...)} treats a model. Immutable. */
public final class LoadOptions {
    private static final LoadOptions DEFAULTS = new LoadOptions(false);
    private static final LoadOptions ALLOW_UNTRUSTED = new LoadOptions(true);

    private final boolean untrustedAllowed;

    private LoadOptions(boolean untrustedAllowed) {
        this.untrustedAllowed = untrustedAllowed;
    }

    /** Refuses models whose graph holds ops that reach outside the computation ({@link UntrustedOps}). */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Loads such models too. Loading runs the model's restore and init ops, so only for models whose
     * origin you trust.
     */
    public static LoadOptions allowUntrusted() {
        return ALLOW_UNTRUSTED;
    }

    public boolean untrustedAllowed() {
        return untrustedAllowed;
    }
}
