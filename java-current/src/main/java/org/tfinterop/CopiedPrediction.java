package org.tfinterop;

import java.nio.FloatBuffer;

/** A float32 result, already copied out of TensorFlow (the current API's Result owns the native tensors). */
final class CopiedPrediction implements Prediction {
    private final long[] shape;
    private final float[] values;

    CopiedPrediction(long[] shape, float[] values) {
        this.shape = shape.clone();
        this.values = values;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public void writeTo(FloatBuffer dst) {
        if (dst.remaining() < values.length) {
            throw new InvalidInputException("destination has room for " + dst.remaining()
                    + " floats but the prediction " + Shapes.format(shape) + " has " + values.length);
        }
        dst.put(values);
    }

    @Override
    public void close() {
    }
}
