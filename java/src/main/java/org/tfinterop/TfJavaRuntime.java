package org.tfinterop;

import java.nio.file.Path;

/** TF Java 1.x (:java): loads through {@link Model}, which refuses untrusted models itself. */
public final class TfJavaRuntime implements TfJava {
    @Override
    public String tensorflowVersion() {
        return Model.tensorflowVersion();
    }

    @Override
    public boolean refusesUntrustedModels() {
        return true;
    }

    @Override
    public Model load(Path dir, LoadOptions options, String... tags) {
        return Model.load(dir, options, tags);
    }
}
