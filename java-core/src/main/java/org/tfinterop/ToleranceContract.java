package org.tfinterop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tolerance contract, tolerance.json (the very file the Python side reads, shipped in this jar): floats by
 * rtol/atol per dtype (numpy.allclose: |got - expected| <= atol + rtol * |expected|, NaN equals NaN), argmax
 * equal on every row of a rank-2 float output when argmax_must_match, every other dtype exactly. The one
 * implementation in Java: SavedModelAssert, the golden tests and every other comparison go through
 * {@link #disagreement(TensorData, TensorData)}.
 */
public final class ToleranceContract {
    private final String json;

    private ToleranceContract(String json) {
        this.json = json;
    }

    /** The contract in this jar (org/tfinterop/tolerance.json). */
    public static ToleranceContract load() {
        try (InputStream in = ToleranceContract.class.getResourceAsStream("tolerance.json")) {
            if (in == null) {
                throw new IllegalStateException("tolerance.json is missing from the tfinterop jar");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            for (int n; (n = in.read(chunk)) > 0; ) {
                out.write(chunk, 0, n);
            }
            return new ToleranceContract(new String(out.toByteArray(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** disagreement(expected, actual) for two float32 arrays of these shapes. */
    public String disagreement(long[] expectedShape, float[] expected, long[] actualShape, float[] actual) {
        return disagreement(float32(expectedShape, expected), float32(actualShape, actual));
    }

    private static TensorData float32(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return TensorData.of("float32", shape, b);
    }

    /**
     * Null when actual agrees with expected under the contract; otherwise what differs, where and by how much:
     * dtype and shape exactly, floats within rtol/atol (NaN where the other has NaN agrees), argmax per row of a
     * rank-2 float output, every other dtype element by element.
     */
    public String disagreement(TensorData want, TensorData have) {
        if (!want.dtype().equals(have.dtype()) || !Arrays.equals(want.shape(), have.shape())) {
            return "expected " + want + ", got " + have;
        }
        if (want.isString()) {
            byte[][] w = want.strings();
            byte[][] h = have.strings();
            int bad = 0;
            int first = -1;
            for (int i = 0; i < w.length; i++) {
                if (!Arrays.equals(w[i], h[i]) && bad++ == 0) {
                    first = i;
                }
            }
            return bad == 0 ? null : want + ": " + bad + " of " + w.length + " strings differ; the first at "
                    + Shapes.index(first, want.shape());
        }
        if (!hasTolerance(want.dtype())) {
            // Element by element on the bytes: int64 beyond 2^53 must not be compared as doubles.
            int size = TensorData.ITEM_SIZES.get(want.dtype());
            ByteBuffer wb = want.data();
            ByteBuffer hb = have.data();
            int n = wb.remaining() / size;
            int bad = 0;
            int first = -1;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < size; j++) {
                    if (wb.get(i * size + j) != hb.get(i * size + j)) {
                        if (bad++ == 0) {
                            first = i;
                        }
                        break;
                    }
                }
            }
            return bad == 0 ? null : want + ": " + bad + " of " + n + " elements differ (compared exactly); the first at "
                    + Shapes.index(first, want.shape()) + ": expected " + valueAt(want, first) + ", got " + valueAt(have, first);
        }
        double[] w = floats(want);
        double[] h = floats(have);
        double rtol = rtol(want.dtype());
        double atol = atol(want.dtype());
        int bad = 0;
        int absAt = 0;
        int relAt = 0;
        double maxAbs = 0;
        double maxRel = 0;
        for (int i = 0; i < w.length; i++) {
            // NaN on both sides, or the same infinity (whose difference is NaN), agrees; an infinity against anything
            // else differs (as numpy.isclose says: rtol * inf would call every value close to it).
            boolean same = w[i] == h[i] || (Double.isNaN(w[i]) && Double.isNaN(h[i]));
            double abs = same ? 0 : Math.abs(h[i] - w[i]);
            double rel = abs == 0 ? 0 : w[i] == 0 ? Double.POSITIVE_INFINITY : abs / Math.abs(w[i]);
            boolean infinite = Double.isInfinite(w[i]) || Double.isInfinite(h[i]);
            if (!same && (infinite || !(abs <= atol + rtol * Math.abs(w[i])))) {
                bad++;
            }
            if (Double.isNaN(abs) || abs > maxAbs) {
                maxAbs = abs;
                absAt = i;
            }
            if (Double.isNaN(rel) || rel > maxRel) {
                maxRel = rel;
                relAt = i;
            }
        }
        String argmax = argmaxDiffers(want, w, h);
        if (bad == 0 && argmax == null) {
            return null;
        }
        String values = bad == 0 ? "" : String.format(Locale.ROOT, "%d of %d elements beyond rtol=%g, atol=%g: max abs "
                + "error %.3g at %s (expected %s, got %s), max rel error %.3g at %s", bad, w.length, rtol, atol, maxAbs,
                Shapes.index(absAt, want.shape()), w[absAt], h[absAt], maxRel, Shapes.index(relAt, want.shape()));
        return want + ": " + values + (argmax == null ? "" : (values.isEmpty() ? "" : "; ") + argmax);
    }

    private String argmaxDiffers(TensorData want, double[] w, double[] h) {
        long[] shape = want.shape();
        if (!argmaxMustMatch() || shape.length != 2 || shape[1] == 0) {
            return null;
        }
        int cols = (int) shape[1];
        int rows = 0;
        int first = -1;
        for (int r = 0; r < shape[0]; r++) {
            if (argmax(w, r, cols) != argmax(h, r, cols) && rows++ == 0) {
                first = r;
            }
        }
        return rows == 0 ? null : "argmax differs on " + rows + " of " + shape[0] + " rows (first: row " + first + ")";
    }

    private static int argmax(double[] v, int row, int cols) {
        int best = 0;
        for (int c = 1; c < cols; c++) {
            if (v[row * cols + c] > v[row * cols + best]) {
                best = c;
            }
        }
        return best;
    }

    private static double[] floats(TensorData t) {
        ByteBuffer b = t.data();
        double[] out = new double[(int) Shapes.elements(t.shape())];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.dtype().equals("float32") ? b.getFloat() : b.getDouble();
        }
        return out;
    }

    private static String valueAt(TensorData t, int i) {
        ByteBuffer b = t.data();
        switch (t.dtype()) {
            case "int32": return String.valueOf(b.getInt(i * 4));
            case "int64": return String.valueOf(b.getLong(i * 8));
            case "uint8": return String.valueOf(b.get(i) & 0xff);
            case "bool": return b.get(i) != 0 ? "true" : "false";
            default: return "?";
        }
    }

    /** Whether dtype is compared by rtol/atol (float32, float64), not exactly. */
    public boolean hasTolerance(String dtype) {
        return Pattern.compile("\"" + Pattern.quote(dtype) + "\"\\s*:\\s*\\{").matcher(json).find();
    }

    public double rtol(String dtype) {
        return number(dtype, "rtol");
    }

    public double atol(String dtype) {
        return number(dtype, "atol");
    }

    public boolean argmaxMustMatch() {
        Matcher m = Pattern.compile("\"argmax_must_match\"\\s*:\\s*(true|false)").matcher(json);
        return m.find() && m.group(1).equals("true");
    }

    private double number(String dtype, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(dtype) + "\"\\s*:\\s*\\{([^}]*)\\}").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("tolerance.json has no tolerance for " + dtype);
        }
        Matcher f = Pattern.compile("\"" + field + "\"\\s*:\\s*([-+0-9.eE]+)").matcher(m.group(1));
        if (!f.find()) {
            throw new IllegalArgumentException("tolerance.json gives " + dtype + " no " + field);
        }
        return Double.parseDouble(f.group(1));
    }
}
