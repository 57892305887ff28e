package example;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import org.junit.Test;
import org.tfinterop.SavedModelAssert;

/** The model export_model.py wrote, in TF Java 1.8, against the golden the pytest plugin recorded. */
public class ModelGoldenTest {
    private static final Path ROOT = Paths.get(System.getProperty("example.root"));

    @Test
    public void theTf1ExportGivesPythonTensorFlowsOutputs() {
        SavedModelAssert.assertMatchesGolden(ROOT.resolve("build/model/tf1"), Collections.singletonList("serve"),
                "serving_default", ROOT.resolve("test_models/test_tf1_export_serves_in_java.npz"));
    }
}
