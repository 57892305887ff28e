package example;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tfinterop.SavedModelAssert;
import org.tfinterop.SavedModelExtension;

/**
 * JUnit 5: the Keras model export_model.py wrote with model.export(), after `tfinterop fix`, in TF Java (1.8 unless
 * the build pins another), against the golden the pytest plugin recorded from Python TensorFlow (its three
 * outputs: digits, hidden, logits).
 */
class FixedKerasModelTest {
    static final Path ROOT = Paths.get(System.getProperty("example.root", "..")).toAbsolutePath().normalize();
    static final Path MODEL_DIR = ROOT.resolve("build/model/keras-for-java");
    static final Path GOLDEN = ROOT.resolve("test_models/test_fixed_keras_export_serves_in_java.npz");

    /** Loaded once for this class's tests, closed after them. */
    @RegisterExtension
    static final SavedModelExtension MODEL = SavedModelExtension.load(MODEL_DIR, "serve");

    @Test
    void servesPythonTensorFlowsOutputs() {
        MODEL.assertMatchesGolden("serving_default", GOLDEN);
    }

    @Test
    void theOneCallFormLoadsRunsAndCloses() {
        SavedModelAssert.assertMatchesGolden(MODEL_DIR, Collections.singletonList("serve"), "serving_default", GOLDEN);
    }
}
