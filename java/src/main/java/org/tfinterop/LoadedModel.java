package org.tfinterop;

import java.nio.FloatBuffer;
import java.util.List;

/** A SavedModel loaded by a {@link TfJava} module: what every module's Model can do. */
public interface LoadedModel extends AutoCloseable {
    /** Feeds float32 data (C order, from its position) with the given shape and fetches one float32 output. */
    Prediction run(String inputName, FloatBuffer data, long[] shape, String outputName);

    /** Every operation of the loaded graph, with its outputs. */
    List<OperationInfo> operations();

    /** Frees the session and graph; idempotent. */
    @Override
    void close();
}
