package org.tfinterop;

import java.nio.FloatBuffer;

/** A float32 result, already copied out of TensorFlow (the current API's Result owns the native tensors). */
public final class Prediction implements AutoCloseable {
    private final long[] shape;
    private final float[] values;

    Prediction(long[] shape, float[] values) {
        this.shape = shape.clone();
        this.values = values;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int size() {
        return values.length;
    }

    /** Copies all elements, C order, into dst at its position. */
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
