package org.tfinterop;

import java.nio.FloatBuffer;

/**
 * A float32 result of {@link LoadedModel#run}: each TF Java module has its own (TF Java 1.x's owns its native
 * tensor until {@link #close()}; the current TF Java's is copied out at once).
 */
public interface Prediction extends AutoCloseable {
    long[] shape();

    /** Number of float elements. */
    int size();

    /** Copies all elements, C order, into dst at its position; dst must have room for {@link #size()}. */
    void writeTo(FloatBuffer dst);

    /** All elements in C order. */
    default float[] toArray() {
        float[] flat = new float[size()];
        writeTo(FloatBuffer.wrap(flat));
        return flat;
    }

    /** The result as rows; only for rank-2 outputs. */
    default float[][] toMatrix() {
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

    /** Frees what it holds; closing twice is harmless. */
    @Override
    void close();
}
