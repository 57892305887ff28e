package org.tfinterop;

import java.nio.file.Path;

/**
 * What a TF Java module offers its callers (the Python adapter, runtimes/java_tf.py): one implementation per
 * module, {@code org.tfinterop.TfJavaRuntime} — in :java for TF Java 1.x, in :java-current for the current
 * TF Java — so a caller asks what the module can do instead of guessing from its methods.
 */
public interface TfJava {
    /** Version of the native TensorFlow runtime, e.g. "1.8.0". */
    String tensorflowVersion();

    /**
     * True when {@link #load} itself refuses a model with untrusted ops (unless the options allow them);
     * false when it cannot scan a graph (no TF 1.x proto classes), so the caller must scan before loading.
     */
    boolean refusesUntrustedModels();

    /** Loads dir with the given tag-set; typed {@link TfInteropException}s on failure. */
    LoadedModel load(Path dir, LoadOptions options, String... tags);
}
