package org.tfinterop;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** The tolerance contract of python/tfinterop/shared/tolerance.json, applied as numpy.allclose plus argmax. */
final class Tolerance {
    final double rtol;
    final double atol;
    final boolean argmaxMustMatch;

    Tolerance(double rtol, double atol, boolean argmaxMustMatch) {
        this.rtol = rtol;
        this.atol = atol;
        this.argmaxMustMatch = argmaxMustMatch;
    }

    /** The float32 contract. */
    static Tolerance read(Path file) throws IOException {
        return read(file, "float32");
    }

    /** The contract of a float dtype ("float32", "float64"); other dtypes are compared exactly. */
    static Tolerance read(Path file, String dtype) throws IOException {
        JsonObject o = JsonParser.parseString(new String(Files.readAllBytes(file), StandardCharsets.UTF_8))
                .getAsJsonObject();
        if (!o.has(dtype) || !o.get(dtype).isJsonObject()) {
            throw new IllegalArgumentException(file + ": no tolerance for " + dtype);
        }
        JsonObject c = o.getAsJsonObject(dtype);
        return new Tolerance(c.get("rtol").getAsDouble(), c.get("atol").getAsDouble(),
                o.has("argmax_must_match") && o.get("argmax_must_match").getAsBoolean());
    }

    /** Null when actual agrees with expected; otherwise a report of where and by how much it differs. */
    String check(long[] expectedShape, float[] expected, long[] actualShape, float[] actual) {
        if (!Arrays.equals(expectedShape, actualShape)) {
            return "shape " + Arrays.toString(actualShape) + " differs from expected " + Arrays.toString(expectedShape);
        }
        int cols = expectedShape.length == 0 ? 1 : (int) expectedShape[expectedShape.length - 1];
        StringBuilder report = new StringBuilder();
        int bad = 0;
        int maxAbsAt = -1;
        int maxRelAt = -1;
        double maxAbs = -1;
        double maxRel = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double diff = Math.abs((double) actual[i] - e);
            double rel = diff == 0 ? 0 : diff / Math.abs(e);
            if (Double.isNaN(diff) || diff > atol + rtol * Math.abs(e)) {
                bad++;
            }
            if (maxAbsAt < 0 || worse(diff, maxAbs)) {
                maxAbs = diff;
                maxAbsAt = i;
            }
            if (maxRelAt < 0 || worse(rel, maxRel)) {
                maxRel = rel;
                maxRelAt = i;
            }
        }
        if (bad > 0) {
            report.append(String.format(Locale.ROOT,
                    "%d of %d elements exceed atol + rtol*|expected| (atol=%g, rtol=%g); "
                            + "max abs error %g at %s (expected %s, got %s); max rel error %g at %s (expected %s, got %s)",
                    bad, expected.length, atol, rtol,
                    maxAbs, at(maxAbsAt, cols), expected[maxAbsAt], actual[maxAbsAt],
                    maxRel, at(maxRelAt, cols), expected[maxRelAt], actual[maxRelAt]));
        }
        if (argmaxMustMatch && expectedShape.length == 2 && cols > 0) {
            int rowsOff = 0;
            int first = -1;
            for (int r = 0; r < expected.length / cols; r++) {
                if (argmax(expected, r, cols) != argmax(actual, r, cols)) {
                    rowsOff++;
                    first = first < 0 ? r : first;
                }
            }
            if (rowsOff > 0) {
                report.append(report.length() > 0 ? "; " : "").append(String.format(Locale.ROOT,
                        "argmax differs on %d rows, first row %d (expected %d, got %d)",
                        rowsOff, first, argmax(expected, first, cols), argmax(actual, first, cols)));
            }
        }
        return report.length() == 0 ? null : report.toString();
    }

    /** NaN counts as the worst error, so that it is the one reported. */
    private static boolean worse(double d, double current) {
        return Double.isNaN(d) ? !Double.isNaN(current) : d > current;
    }

    private static String at(int flat, int cols) {
        return "(" + flat / cols + ", " + flat % cols + ")";
    }

    /** First index of the maximum, as numpy.argmax; NaN wins, as in numpy. */
    private static int argmax(float[] a, int row, int cols) {
        int best = 0;
        for (int c = 0; c < cols; c++) {
            float v = a[row * cols + c];
            if (Float.isNaN(v)) {
                return c;
            }
            if (v > a[row * cols + best]) {
                best = c;
            }
        }
        return best;
    }
}
