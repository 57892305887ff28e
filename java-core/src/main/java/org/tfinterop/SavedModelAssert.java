package org.tfinterop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * For a JVM team's own tests: does TF Java give a SavedModel's recorded outputs? The golden .npz holds the inputs
 * (keys inputs/KEY) and the expected outputs (outputs/KEY), as the tfinterop pytest plugin writes it with
 * --tfinterop-regen from Python TensorFlow's run; outputs are held to it under the tolerance contract
 * ({@link ToleranceContract}), and every output that differs is reported, not only the first.
 *
 * <pre>
 *   SavedModelAssert.assertMatchesGolden(Paths.get("export/model"), Arrays.asList("serve"), "serving_default",
 *       Paths.get("src/test/resources/model-golden.npz"));
 * </pre>
 *
 * A failure is reported the way the test framework on the classpath reports one: with JUnit 5 (opentest4j
 * present) an {@code org.opentest4j.AssertionFailedError} carrying the differing outputs as expected and actual
 * values (IDEs show them side by side); otherwise (JUnit 4, TestNG, a main method) a {@link AssertionError}.
 * {@code org.tfinterop.junit.SavedModelExtension} (JUnit 5) and {@code SavedModelRule} (JUnit 4) load a model
 * once per test class and hold it to any number of goldens.
 */
public final class SavedModelAssert {
    static final String INPUTS = "inputs/";
    static final String OUTPUTS = "outputs/";

    private SavedModelAssert() {
    }

    /**
     * Loads modelDir with the tag-set in the TF Java module on the classpath, runs signatureKey (null:
     * serving_default, else the only signature) on the golden's inputs, holds every output to the golden's and
     * closes the model. Throws an AssertionError (see the class's comment) naming every output that differs, or
     * TensorFlow's reason when TF Java cannot load or run the model.
     */
    public static void assertMatchesGolden(Path modelDir, List<String> tags, String signatureKey, Path goldenNpz) {
        TfJava runtime = TfJava.onTheClasspath();
        String where = modelDir + " " + tags;
        LoadedModel model;
        try {
            model = runtime.load(modelDir, LoadOptions.defaults(), tags.toArray(new String[0]));
        } catch (TfInteropException e) {
            throw cannotRun(where, runtime, e);
        }
        try (LoadedModel m = model) {
            assertMatchesGolden(m, where, runtime, signatureKey, goldenNpz);
        }
    }

    /** The same on a model already loaded (the JUnit extension's and rule's); `where` names it in messages. */
    static void assertMatchesGolden(LoadedModel model, String where, TfJava runtime, String signatureKey,
                                    Path goldenNpz) {
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
        String call = where + " signature " + (signatureKey == null ? "(default)" : "'" + signatureKey + "'");
        Map<String, TensorData> got;
        try {
            got = model.runSignature(signatureKey, inputs, new ArrayList<>(expected.keySet()));
        } catch (TfInteropException e) {
            throw cannotRun(call, runtime, e);
        }
        ToleranceContract contract = ToleranceContract.load();
        String report = compare(expected, got, contract);
        if (report != null) {
            StringBuilder want = new StringBuilder();
            StringBuilder have = new StringBuilder();
            for (Map.Entry<String, TensorData> e : expected.entrySet()) {
                TensorData h = got.get(e.getKey());
                if (h == null || contract.disagreement(e.getValue(), h) != null) {
                    want.append(e.getKey()).append(": ").append(Failures.preview(e.getValue())).append('\n');
                    have.append(e.getKey()).append(": ").append(h == null ? "missing" : Failures.preview(h)).append('\n');
                }
            }
            throw Failures.failure(call + " in TF Java " + runtime.tensorflowVersion() + " does not match "
                    + goldenNpz + report, want.toString(), have.toString(), null);
        }
    }

    static AssertionError cannotRun(String what, TfJava runtime, TfInteropException e) {
        return Failures.failure(what + " cannot be run by TF Java " + runtime.tensorflowVersion() + ": "
                + e.getMessage(), null, null, e);
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
