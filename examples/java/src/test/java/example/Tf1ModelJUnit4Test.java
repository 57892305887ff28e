package example;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.ClassRule;
import org.junit.Test;
import org.tfinterop.SavedModelRule;

/** JUnit 4: the TF1 graph export_model.py wrote, in TF Java, against the golden the pytest plugin recorded. */
public class Tf1ModelJUnit4Test {
    private static final Path ROOT = Paths.get(System.getProperty("example.root", "..")).toAbsolutePath().normalize();

    /** Loaded once for this class's tests, closed after them. */
    @ClassRule
    public static final SavedModelRule MODEL = SavedModelRule.load(ROOT.resolve("build/model/tf1"), "serve");

    @Test
    public void servesPythonTensorFlowsOutputs() {
        MODEL.assertMatchesGolden("serving_default", ROOT.resolve("test_models/test_tf1_export_serves_in_java.npz"));
    }
}
