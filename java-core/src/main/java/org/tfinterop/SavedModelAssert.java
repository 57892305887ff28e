package org.tfinterop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        TfJava runtime = TfJava.onTheClasspath();
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
            String why = have == null ? "missing" : contract.disagreement(want, have);
            if (why != null) {
                failing++;
                report.append("\n  ").append(e.getKey()).append(": ").append(why);
            }
        }
        return failing == 0 ? null : " (" + failing + " of " + expected.size() + " outputs differ):" + report;
    }
}
