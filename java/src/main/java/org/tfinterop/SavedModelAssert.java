package org.tfinterop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * For a JVM team's own tests (JUnit 4, or anything that reports an AssertionError): does TF Java give a
 * SavedModel's recorded outputs? The golden .npz holds the inputs (keys inputs/KEY) and the expected outputs
 * (outputs/KEY), as the tfinterop pytest plugin writes it with --tfinterop-regen from Python TensorFlow's run;
 * outputs are held to it under the tolerance contract ({@link ToleranceContract}), and every output that
 * differs is reported, not only the first.
 *
 * <pre>
 *   SavedModelAssert.assertMatchesGolden(Paths.get("export/model"), Arrays.asList("serve"), "serving_default",
 *       Paths.get("src/test/resources/model-golden.npz"));
 * </pre>
 */
public final class SavedModelAssert {
    static final String INPUTS = "inputs/";
    static final String OUTPUTS = "outputs/";

    private SavedModelAssert() {
    }

    /** signatureKey null: serving_default, else the only signature. Throws AssertionError saying what differs. */
    public static void assertMatchesGolden(Path modelDir, List<String> tags, String signatureKey, Path goldenNpz) {
        Map<String, TensorData> inputs = new TreeMap<>();
        Map<String, TensorData> expected = new TreeMap<>();
        try {
            for (Map.Entry<String, TensorData> e : Npz.read(goldenNpz).entrySet()) {
                if (e.getKey().startsWith(INPUTS)) {
                    inputs.put(e.getKey().substring(INPUTS.length()), e.getValue());
                } else if (e.getKey().startsWith(OUTPUTS)) {
                    expected.put(e.getKey().substring(OUTPUTS.length()), e.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the golden " + goldenNpz, e);
        }
        if (expected.isEmpty()) {
            throw new InvalidInputException(goldenNpz + " holds no outputs/KEY arrays: not a tfinterop golden .npz");
        }
        Map<String, TensorData> got;
        String where = modelDir + " " + tags + " signature " + (signatureKey == null ? "(default)" : "'" + signatureKey + "'");
        TfJava runtime = new TfJavaRuntime();
        try (LoadedModel model = runtime.load(modelDir, LoadOptions.defaults(), tags.toArray(new String[0]))) {
            got = model.runSignature(signatureKey, inputs, new ArrayList<>(expected.keySet()));
        } catch (TfInteropException e) {
            throw new AssertionError(where + " cannot be run by TF Java " + runtime.tensorflowVersion() + ": "
                    + e.getMessage(), e);
        }
        String report = compare(expected, got, ToleranceContract.load());
        if (report != null) {
            throw new AssertionError(where + " in TF Java " + runtime.tensorflowVersion() + " does not match "
                    + goldenNpz + report);
        }
    }

    /** Null when every output agrees; otherwise one line per output that does not. */
    static String compare(Map<String, TensorData> expected, Map<String, TensorData> got, ToleranceContract contract) {
        StringBuilder report = new StringBuilder();
        int failing = 0;
        for (Map.Entry<String, TensorData> e : expected.entrySet()) {
            TensorData want = e.getValue();
            TensorData have = got.get(e.getKey());
            String why = have == null ? "missing" : differs(want, have, contract);
            if (why != null) {
                failing++;
                report.append("\n  ").append(e.getKey()).append(": ").append(why);
            }
        }
        return failing == 0 ? null : " (" + failing + " of " + expected.size() + " outputs differ):" + report;
    }

    private static String differs(TensorData want, TensorData have, ToleranceContract contract) {
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
        if (!contract.hasTolerance(want.dtype())) {
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
        double rtol = contract.rtol(want.dtype());
        double atol = contract.atol(want.dtype());
        int bad = 0;
        int absAt = 0;
        int relAt = 0;
        double maxAbs = 0;
        double maxRel = 0;
        for (int i = 0; i < w.length; i++) {
            boolean bothNaN = Double.isNaN(w[i]) && Double.isNaN(h[i]);
            double abs = bothNaN ? 0 : Math.abs(h[i] - w[i]);
            double rel = abs == 0 ? 0 : w[i] == 0 ? Double.POSITIVE_INFINITY : abs / Math.abs(w[i]);
            if (!bothNaN && !(abs <= atol + rtol * Math.abs(w[i]))) {
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
        String argmax = argmaxDiffers(want, w, h, contract);
        if (bad == 0 && argmax == null) {
            return null;
        }
        String values = bad == 0 ? "" : String.format(Locale.ROOT, "%d of %d elements beyond rtol=%g, atol=%g: max abs "
                + "error %.3g at %s (expected %s, got %s), max rel error %.3g at %s", bad, w.length, rtol, atol, maxAbs,
                Shapes.index(absAt, want.shape()), w[absAt], h[absAt], maxRel, Shapes.index(relAt, want.shape()));
        return want + ": " + values + (argmax == null ? "" : (values.isEmpty() ? "" : "; ") + argmax);
    }

    private static String argmaxDiffers(TensorData want, double[] w, double[] h, ToleranceContract contract) {
        long[] shape = want.shape();
        if (!contract.argmaxMustMatch() || shape.length != 2 || shape[1] == 0) {
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
}
