package org.tfinterop;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Assertion failures as the test framework on the classpath reports them, found at run time (nothing is forced
 * on a project): opentest4j's AssertionFailedError when it is there (JUnit 5, and what IDEs show as a diff of
 * expected and actual), else java.lang.AssertionError (what JUnit 4's Assert throws, and every other framework
 * reports as a failure). Both are AssertionErrors.
 */
public final class Failures {
    static final String OPENTEST4J = "org.opentest4j.AssertionFailedError";
    private static final int PREVIEW = 12;

    private Failures() {
    }

    /** Whether failures are opentest4j's AssertionFailedError here (JUnit 5 on the classpath). */
    public static boolean opentest4jPresent() {
        try {
            Class.forName(OPENTEST4J, false, Failures.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** expected and actual: null when there is nothing to compare side by side. */
    public static AssertionError failure(String message, String expected, String actual, Throwable cause) {
        if (opentest4jPresent()) {
            return Opentest4j.failure(message, expected, actual, cause);
        }
        AssertionError e = new AssertionError(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /** The dtype, shape and first elements of a tensor, for an expected/actual pair. */
    static String preview(TensorData t) {
        StringBuilder s = new StringBuilder(t.toString()).append(" [");
        int n = (int) Shapes.elements(t.shape());
        int shown = Math.min(n, PREVIEW);
        if (t.isString()) {
            byte[][] strings = t.strings();
            for (int i = 0; i < shown; i++) {
                s.append(i == 0 ? "" : ", ").append('"').append(new String(strings[i], StandardCharsets.UTF_8)).append('"');
            }
        } else {
            ByteBuffer b = t.data();
            for (int i = 0; i < shown; i++) {
                s.append(i == 0 ? "" : ", ").append(element(t.dtype(), b, i));
            }
        }
        return s.append(n > shown ? ", ...]" : "]").toString();
    }

    private static String element(String dtype, ByteBuffer b, int i) {
        switch (dtype) {
            case "float32": return String.format(Locale.ROOT, "%.7g", b.getFloat(i * 4));
            case "float64": return String.format(Locale.ROOT, "%.10g", b.getDouble(i * 8));
            case "int32": return String.valueOf(b.getInt(i * 4));
            case "int64": return String.valueOf(b.getLong(i * 8));
            case "uint8": return String.valueOf(b.get(i) & 0xff);
            case "bool": return b.get(i) != 0 ? "true" : "false";
            default: return "?";
        }
    }

    /** Loaded only when opentest4j is on the classpath. */
    private static final class Opentest4j {
        static AssertionError failure(String message, String expected, String actual, Throwable cause) {
            return expected == null ? new org.opentest4j.AssertionFailedError(message, cause)
                    : new org.opentest4j.AssertionFailedError(message, expected, actual, cause);
        }
    }
}
