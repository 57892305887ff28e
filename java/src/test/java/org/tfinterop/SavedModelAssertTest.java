package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.not;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The JUnit helper on fixtures/golden/mixed (five dtypes): a golden of Python TensorFlow's outputs passes; one
 * with two outputs changed fails naming both, with the worst error and where; a model TF Java 1.8 cannot load
 * fails with TensorFlow's reason.
 */
public class SavedModelAssertTest {
    private static final List<String> SERVE = Collections.singletonList("serve");

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private Path golden(Map<String, TensorData> outputs) throws IOException {
        return golden(tmp.getRoot().toPath(), outputs);
    }

    /** A golden in dir: the mixed model's inputs and these outputs. */
    static Path golden(Path dir, Map<String, TensorData> outputs) throws IOException {
        Path mixed = GoldenFixtureTest.golden().resolve("mixed");
        Map<String, TensorData> all = new TreeMap<>();
        for (Map.Entry<String, TensorData> e : Npz.read(mixed.resolve("inputs.npz")).entrySet()) {
            all.put(SavedModelAssert.INPUTS + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, TensorData> e : outputs.entrySet()) {
            all.put(SavedModelAssert.OUTPUTS + e.getKey(), e.getValue());
        }
        Path file = dir.resolve("golden-" + all.hashCode() + ".npz");
        Npz.write(file, all, false);
        return file;
    }

    static Map<String, TensorData> recorded() throws IOException {
        return Npz.read(GoldenFixtureTest.golden().resolve("mixed").resolve("expected.npz"));
    }

    static Path model() {
        return GoldenFixtureTest.golden().resolve("mixed").resolve("model");
    }

    @Test
    public void theRecordedOutputsPass() throws IOException {
        SavedModelAssert.assertMatchesGolden(model(), SERVE, "serving_default", golden(recorded()));
        SavedModelAssert.assertMatchesGolden(model(), SERVE, null, golden(recorded()));
    }

    /** Python TensorFlow's outputs with two changed: probabilities [3, 7] by 0.25, label [5] by 2^60. */
    static Map<String, TensorData> twoChanged() throws IOException {
        Map<String, TensorData> wrong = new TreeMap<>(recorded());
        ByteBuffer p = copy(wrong.get("probabilities"));
        p.putFloat((3 * 10 + 7) * 4, p.getFloat((3 * 10 + 7) * 4) + 0.25f);
        wrong.put("probabilities", TensorData.of("float32", wrong.get("probabilities").shape(), p));
        ByteBuffer label = copy(wrong.get("label"));
        label.putLong(5 * 8, label.getLong(5 * 8) + (1L << 60));   // beyond 2^53: a double would not see it
        wrong.put("label", TensorData.of("int64", wrong.get("label").shape(), label));
        return wrong;
    }

    /** {the recorded outputs' golden, twoChanged()'s} in a new temporary folder. */
    static Path[] goodAndWrong() {
        try {
            Path dir = Files.createTempDirectory("goldens");
            return new Path[] {golden(dir, recorded()), golden(dir, twoChanged())};
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A model that was closed refuses to be used. */
    static void assertClosed(LoadedModel model) {
        try {
            model.operations();
            fail("the model was not closed");
        } catch (ClosedException e) {
            assertThat(e.getMessage(), containsString("closed"));
        }
    }

    /** What a failure on twoChanged() says, whichever way it was reached. */
    static void assertNamesBothChangedOutputs(String m) {
        assertThat(m, containsString("(2 of 5 outputs differ)"));
        assertThat(m, containsString("label: int64[20]: 1 of 20 elements differ (compared exactly); the first at [5]"));
        assertThat(m, containsString("probabilities: float32[20, 10]: 1 of 200 elements beyond rtol=1.00000e-05, "
                + "atol=1.00000e-06: max abs error 0.250 at [3, 7]"));
        assertThat(m, not(containsString("score:")));
    }

    @Test
    public void everyOutputThatDiffersIsReportedWithItsWorstError() throws IOException {
        try {
            SavedModelAssert.assertMatchesGolden(model(), SERVE, "serving_default", golden(twoChanged()));
            fail("a golden with two changed outputs passed");
        } catch (AssertionError e) {
            assertNamesBothChangedOutputs(e.getMessage());
        }
    }

    @Test
    public void aModelTfJavaCannotLoadFailsWithTensorFlowsReason() throws IOException {
        try {
            SavedModelAssert.assertMatchesGolden(GoldenFixtureTest.golden().resolve("seed-simple-save"), SERVE, null,
                    golden(recorded()));
            fail("a model TF Java 1.8 rejects passed");
        } catch (AssertionError e) {
            assertThat(e.getMessage(), containsString("cannot be run by TF Java 1.8.0"));
            assertThat(e.getMessage(), containsString("Op type not registered 'StaticRegexFullMatch'"));
        }
    }

    private static ByteBuffer copy(TensorData t) {
        ByteBuffer b = ByteBuffer.allocate(t.numBytes()).order(ByteOrder.nativeOrder());
        t.copyTo(b);
        return b;
    }
}
