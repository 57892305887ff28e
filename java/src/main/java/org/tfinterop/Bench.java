package org.tfinterop;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;

/**
 * Timing entry points for {@code tfinterop bench}: the same work the Python bridge asks for, looped
 * inside Java, so the bridge's own cost is the difference. Times are wall-clock nanoseconds per call.
 */
public final class Bench {
    private Bench() {
    }

    /**
     * Runs {@code warmup} untimed predictions, then times {@code repeats} of them: feed data with the
     * given shape, fetch the output and copy it into dst (as the bridge copies it into numpy).
     */
    public static long[] timePredictions(Model model, String inputName, FloatBuffer data, long[] shape,
                                         String outputName, FloatBuffer dst, int warmup, int repeats) {
        if (warmup < 0 || repeats < 1) {
            throw new InvalidInputException("warmup must be >= 0 and repeats >= 1, got " + warmup + " and " + repeats);
        }
        long[] nanos = new long[repeats];
        for (int i = -warmup; i < repeats; i++) {
            long start = System.nanoTime();
            try (Prediction p = model.run(inputName, data, shape, outputName)) {
                p.writeTo(dst.duplicate());
            }
            if (i >= 0) {
                nanos[i] = System.nanoTime() - start;
            }
        }
        return nanos;
    }

    /**
     * Runs {@code warmup} untimed calls by signature, then times {@code repeats} of them: {@link
     * Model#runSignature(String, Map, List)} with these inputs, which copies the outputs out of TensorFlow as
     * the bridge receives them (the outputs are then dropped).
     */
    public static long[] timeSignatureRuns(Model model, String key, Map<String, TensorData> inputs,
                                           List<String> outputKeys, int warmup, int repeats) {
        if (warmup < 0 || repeats < 1) {
            throw new InvalidInputException("warmup must be >= 0 and repeats >= 1, got " + warmup + " and " + repeats);
        }
        long[] nanos = new long[repeats];
        for (int i = -warmup; i < repeats; i++) {
            long start = System.nanoTime();
            model.runSignature(key, inputs, outputKeys);
            if (i >= 0) {
                nanos[i] = System.nanoTime() - start;
            }
        }
        return nanos;
    }

    /**
     * One marshalling round trip without a model: copies src into a new native float32 tensor of the
     * given shape and writes the tensor back into dst. TF Java 1.8 can neither wrap foreign memory in a
     * tensor nor expose a tensor's memory, so these two copies are the least any caller can do.
     */
    public static void tensorRoundTrip(FloatBuffer src, long[] shape, FloatBuffer dst) {
        try (Tensor<Float> t = Tensor.create(shape, src.duplicate())) {
            t.writeTo(dst.duplicate());
        }
    }
}
