package org.tfinterop;

import java.nio.file.Path;

/**
 * The current TF Java (:java-current). It has no TF 1.x proto classes to scan a graph with, so it does not
 * refuse untrusted models itself: {@link #refusesUntrustedModels()} says so, and the caller scans first.
 */
public final class TfJavaRuntime implements TfJava {
    @Override
    public String tensorflowVersion() {
        return Model.tensorflowVersion();
    }

    @Override
    public boolean refusesUntrustedModels() {
        return false;
    }

    /** Options are not consulted: the caller has scanned (see {@link #refusesUntrustedModels()}). */
    @Override
    public Model load(Path dir, LoadOptions options, String... tags) {
        return Model.load(dir, tags);
    }
}
