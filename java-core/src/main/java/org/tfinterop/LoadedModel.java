package org.tfinterop;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/** A SavedModel loaded by a {@link TfJava} module: what every module's Model can do. */
public interface LoadedModel extends AutoCloseable {
    /** Feeds float32 data (C order, from its position) with the given shape and fetches one float32 output. */
    Prediction run(String inputName, FloatBuffer data, long[] shape, String outputName);

    /**
     * The signature-first call: every input of signature key (null: serving_default, else the only one) by
     * its input key; the outputs by output key (outputKeys null: all of them). Typed exceptions for a key,
     * dtype or shape the SignatureDef does not have, before TensorFlow sees anything.
     */
    Map<String, TensorData> runSignature(String key, Map<String, TensorData> inputs, List<String> outputKeys);

    /** Every operation of the loaded graph, with its outputs. */
    List<OperationInfo> operations();

    /** Frees the session and graph; idempotent. */
    @Override
    void close();
}
