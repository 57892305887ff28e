package org.tfinterop;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * What a TF Java module offers its callers (the Python adapter, runtimes/java_tf.py, and SavedModelAssert): one
 * implementation per module, {@code org.tfinterop.TfJavaRuntime} — in :java for TF Java 1.x, in :java-current for
 * the current TF Java — so a caller asks what the module can do instead of guessing from its methods. This
 * interface lives in :java-core, which knows no TF Java; each module registers its implementation as a service.
 */
public interface TfJava {
    /** The TF Java module on the classpath (its META-INF/services/org.tfinterop.TfJava). */
    static TfJava onTheClasspath() {
        Iterator<TfJava> found = ServiceLoader.load(TfJava.class, TfJava.class.getClassLoader()).iterator();
        if (!found.hasNext()) {
            throw new IllegalStateException("no TF Java module of tfinterop on the classpath: depend on "
                    + "org.tfinterop:tfinterop-java (TF Java 1.x) or org.tfinterop:tfinterop-java-current (the current "
                    + "TF Java), not on tfinterop-java-core alone");
        }
        return found.next();
    }

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
