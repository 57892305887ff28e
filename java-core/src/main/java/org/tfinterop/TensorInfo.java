package org.tfinterop;

/** One operation output as the graph declares it: name "op:index", dtype word, static shape. */
public final class TensorInfo {
    private final String name;
    private final String dtype;
    private final long[] shape;

    TensorInfo(String name, String dtype, long[] shape) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape == null ? null : shape.clone();
    }

    public String name() {
        return name;
    }

    /** "float32", "int64", "float32_ref", "resource", ... (numpy-style names where they exist). */
    public String dtype() {
        return dtype;
    }

    /** Static shape, -1 for an unknown dimension; null when even the rank is unknown. */
    public long[] shape() {
        return shape == null ? null : shape.clone();
    }

    /** E.g. "float32[?, 784]" or "float32<unknown rank>". */
    @Override
    public String toString() {
        return dtype + Shapes.format(shape);
    }
}
