package org.tfinterop;

import java.nio.FloatBuffer;
import org.tensorflow.Tensor;

/** A float32 result of TF Java 1.x; owns the native output tensor until {@link #close()}. */
final class TensorPrediction implements Prediction {
    private final Tensor<?> tensor;
    private final long[] shape;
    private boolean closed;

    TensorPrediction(Tensor<?> tensor) {
        this.tensor = tensor;
        this.shape = tensor.shape();
    }

    @Override
    public synchronized long[] shape() {
        ensureOpen();
        return shape.clone();
    }

    @Override
    public synchronized int size() {
        ensureOpen();
        return (int) Shapes.elements(shape);
    }

    @Override
    public synchronized void writeTo(FloatBuffer dst) {
        ensureOpen();
        int n = (int) Shapes.elements(shape);
        if (dst.remaining() < n) {
            throw new InvalidInputException("destination has room for " + dst.remaining()
                    + " floats but the prediction " + Shapes.format(shape) + " has " + n);
        }
        tensor.writeTo(dst);
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
