package org.tfinterop;

import java.nio.FloatBuffer;
import org.tensorflow.Tensor;

/** A float32 result; owns the native output tensor until {@link #close()}. */
public final class Prediction implements AutoCloseable {
    private final Tensor<?> tensor;
    private final long[] shape;
    private boolean closed;

    Prediction(Tensor<?> tensor) {
        this.tensor = tensor;
        this.shape = tensor.shape();
    }

    public synchronized long[] shape() {
        ensureOpen();
        return shape.clone();
    }

    /** Number of float elements. */
    public synchronized int size() {
        ensureOpen();
        return (int) Shapes.elements(shape);
    }

    /** Copies all elements, C order, into dst at its position; dst must have room for {@link #size()}. */
    public synchronized void writeTo(FloatBuffer dst) {
        ensureOpen();
        int n = (int) Shapes.elements(shape);
        if (dst.remaining() < n) {
            throw new InvalidInputException("destination has room for " + dst.remaining()
                    + " floats but the prediction " + Shapes.format(shape) + " has " + n);
        }
        tensor.writeTo(dst);
    }

    /** All elements in C order. */
    public float[] toArray() {
        float[] flat = new float[size()];
        writeTo(FloatBuffer.wrap(flat));
        return flat;
    }

    /** The result as rows; only for rank-2 outputs. */
    public float[][] toMatrix() {
        long[] s = shape();
        if (s.length != 2) {
            throw new InvalidInputException("toMatrix needs a rank-2 output, this one has shape " + Shapes.format(s));
        }
        float[] flat = toArray();
        float[][] rows = new float[(int) s[0]][(int) s[1]];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(flat, r * rows[r].length, rows[r], 0, rows[r].length);
        }
        return rows;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            tensor.close();
            LiveResources.tensorClosed();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("prediction is closed");
        }
    }
}
