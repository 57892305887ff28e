package org.tfinterop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * One input or output of a call by signature: a dtype ("float32", "float64", "int32", "int64", "uint8",
 * "bool"), a shape, and the elements in C order as native-order bytes (a bool is one byte, 0 or 1). The bytes
 * cross as they are: a caller with its own memory (numpy, through JPype) lends it as a direct ByteBuffer, and
 * an output is copied out once with {@link #copyTo(ByteBuffer)}. No boxed values, no element-by-element copy.
 * Strings (dtype "string", {@link #ofStrings}) are their elements' bytes, a byte[] each in C order: TF Java
 * 1.x takes and gives them as byte[][], and they have no fixed size to lay out in one buffer.
 */
public final class TensorData {
    /** Bytes per element of each dtype a signature call can feed and fetch. */
    static final Map<String, Integer> ITEM_SIZES;

    static {
        Map<String, Integer> m = new HashMap<>();
        m.put("float32", 4);
        m.put("float64", 8);
        m.put("int32", 4);
        m.put("int64", 8);
        m.put("uint8", 1);
        m.put("bool", 1);
        ITEM_SIZES = Collections.unmodifiableMap(m);
    }

    static final String STRING = "string";

    private final String dtype;
    private final long[] shape;
    private final ByteBuffer data;        // null for strings
    private final byte[][] strings;       // null for numbers

    private TensorData(String dtype, long[] shape, ByteBuffer data, byte[][] strings) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
        this.strings = strings;
    }

    /** A string tensor: one byte[] per element, in C order; there must be as many as the shape has elements. */
    public static TensorData ofStrings(long[] shape, byte[][] values) {
        for (long d : shape) {
            if (d < 0) {
                throw new InvalidInputException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        if (Shapes.elements(shape) != values.length) {
            throw new InvalidInputException("shape " + Arrays.toString(shape) + " of string needs "
                    + Shapes.elements(shape) + " elements, got " + values.length);
        }
        byte[][] copy = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                throw new InvalidInputException("string element " + i + " is null");
            }
            copy[i] = values[i].clone();
        }
        return new TensorData(STRING, shape.clone(), null, copy);
    }

    public boolean isString() {
        return strings != null;
    }

    /** A string tensor's elements, in C order (a copy). */
    public byte[][] strings() {
        if (strings == null) {
            throw new UnsupportedDataTypeException(this + " is not a string tensor");
        }
        byte[][] copy = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            copy[i] = strings[i].clone();
        }
        return copy;
    }

    /**
     * dtype, shape and the bytes from data's position to its limit (the caller's buffer is not moved). The
     * byte count must be the shape's elements times the dtype's size.
     */
    public static TensorData of(String dtype, long[] shape, ByteBuffer data) {
        Integer size = ITEM_SIZES.get(dtype);
        if (size == null) {
            throw new UnsupportedDataTypeException("dtype '" + dtype + "' cannot be fed or fetched by signature; "
                    + "supported: " + String.join(", ", new java.util.TreeSet<>(ITEM_SIZES.keySet())));
        }
        long n = Shapes.elements(shape);
        for (long d : shape) {
            if (d < 0) {
                throw new InvalidInputException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        if (n < 0 || n * size != data.remaining()) {
            throw new InvalidInputException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + (n < 0 ? "more" : String.valueOf(n * size)) + " bytes, got " + data.remaining());
        }
        return new TensorData(dtype, shape.clone(), data.slice().order(ByteOrder.nativeOrder()), null);
    }

    public String dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The bytes, read-only, native order, position 0 (numbers only: see {@link #strings()}). */
    public ByteBuffer data() {
        return numbers().asReadOnlyBuffer().order(ByteOrder.nativeOrder());
    }

    /** The numbers' bytes; for strings, the elements' bytes together. */
    public int numBytes() {
        if (strings != null) {
            int n = 0;
            for (byte[] b : strings) {
                n += b.length;
            }
            return n;
        }
        return data.remaining();
    }

    private ByteBuffer numbers() {
        if (data == null) {
            throw new UnsupportedDataTypeException(this + " is a string tensor: its elements are strings(), not bytes");
        }
        return data;
    }

    /** Copies the bytes into dst at its position (dst's position is left unchanged). */
    public void copyTo(ByteBuffer dst) {
        numbers();
        if (dst.remaining() < data.remaining()) {
            throw new InvalidInputException("destination has room for " + dst.remaining() + " bytes; "
                    + dtype + Shapes.format(shape) + " has " + data.remaining());
        }
        dst.duplicate().put(data.duplicate());
    }

    @Override
    public String toString() {
        return dtype + Shapes.format(shape);
    }
}
