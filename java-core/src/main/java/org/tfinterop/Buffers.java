package org.tfinterop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Buffer helpers for callers that hand over raw memory (the Python side passes numpy data this way). */
public final class Buffers {
    private Buffers() {
    }

    /** Views bytes as floats in native order, as numpy and TensorFlow lay them out. */
    public static FloatBuffer floats(ByteBuffer bytes) {
        return bytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
