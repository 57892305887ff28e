package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tensorflow.DataType;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Tensor;
import org.tensorflow.framework.CollectionDef;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.SavedModel;

/** A model that reads a file when loaded (ReadFile as its main_op) is refused unless allowed. */
public class UntrustedModelTest {
    private static final Path FIXTURES = Paths.get(System.getProperty("tfinterop.fixtures", "../fixtures"));

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    /** TestModels.linear plus Const(path) -> ReadFile, registered as the SavedModel's main_op. */
    private Path readsOnLoad(Path file) throws IOException {
        Path dir = TestModels.linear(tmp.getRoot().toPath().resolve("reads-" + file.getFileName()), new String[] {"serve"});
        Path pb = dir.resolve("saved_model.pb");
        SavedModel.Builder sm = SavedModel.parseFrom(Files.readAllBytes(pb)).toBuilder();
        MetaGraphDef.Builder mg = sm.getMetaGraphsBuilder(0);
        byte[] extra;
        try (Graph g = new Graph()) {
            g.importGraphDef(mg.getGraphDef().toByteArray());
            try (Tensor<?> path = Tensor.create(file.toString().getBytes(StandardCharsets.UTF_8))) {
                Output<?> p = g.opBuilder("Const", "read_on_load/path").setAttr("dtype", DataType.STRING)
                        .setAttr("value", path).build().output(0);
                g.opBuilder("ReadFile", "read_on_load").addInput(p).build();
            }
            extra = g.toGraphDef();
        }
        mg.setGraphDef(GraphDef.parseFrom(extra));
        mg.putCollectionDef("saved_model_main_op", CollectionDef.newBuilder()
                .setNodeList(CollectionDef.NodeList.newBuilder().addValue("read_on_load")).build());
        Files.write(pb, sm.build().toByteArray());
        return dir;
    }

    @Test
    public void refusedBeforeAnythingRuns() throws IOException {
        Path secret = tmp.newFile("secret.txt").toPath();
        Path dir = readsOnLoad(secret);
        long bundles = LiveResources.bundlesOpened();
        UntrustedModelException e = assertThrows(UntrustedModelException.class, () -> Model.load(dir, "serve"));
        assertEquals("untrusted-model", e.kind());
        assertThat(e.getMessage(), containsString("'read_on_load' (ReadFile, file-read)"));
        assertThat(e.getMessage(), containsString("allowUntrusted"));
        assertEquals(1, e.findings().size());
        assertEquals("nothing was loaded", bundles, LiveResources.bundlesOpened());
    }

    @Test
    public void allowedExplicitlyItLoadsAndTheReadHappensOnLoad() throws IOException {
        Path secret = tmp.newFile("secret.txt").toPath();
        try (Model m = Model.load(readsOnLoad(secret), LoadOptions.allowUntrusted(), "serve")) {
            float[][] y = m.predict("myInput", TestModels.sampleInput(2), "myOutput");
            assertEquals(2, y.length);
        }
        // The same model pointing at a missing file fails while loading: the main_op ran.
        Path missing = tmp.getRoot().toPath().resolve("no-such-file.txt");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> Model.load(readsOnLoad(missing), LoadOptions.allowUntrusted(), "serve"));
        assertThat(e.getMessage(), containsString("no-such-file.txt"));
    }

    @Test
    public void commandLineRefusesUnlessAllowed() throws IOException {
        Path dir = readsOnLoad(tmp.newFile("secret.txt").toPath());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true);
        assertEquals(1, Cli.run(new String[] {"ops", dir.toString()}, out, new PrintStream(err, true)));
        assertThat(new String(err.toByteArray(), StandardCharsets.UTF_8), containsString("error: untrusted-model:"));
        assertEquals(0, Cli.run(new String[] {"ops", dir.toString(), "--allow-untrusted"}, out, new PrintStream(err, true)));
    }

    @Test
    public void goldenModelsAreTrusted() throws IOException {
        for (String v : new String[] {"seed-simple-save", "seed-builder", "compat-serve", "compat-mytag"}) {
            SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(FIXTURES.resolve("golden").resolve(v).resolve("saved_model.pb")));
            for (MetaGraphDef mg : sm.getMetaGraphsList()) {
                assertEquals(v, 0, UntrustedOps.scan(sm, mg).size());
            }
        }
        assertTrue(UntrustedOps.list().containsKey("ReadFile"));
        assertEquals("save-restore", UntrustedOps.list().get("RestoreV2").category);
    }

    @Test
    public void libraryCountersReturnToZero() {
        long bundles = LiveResources.openBundles();
        long tensors = LiveResources.openTensors();
        try (Model m = Model.load(FIXTURES.resolve("golden/compat-serve"), "serve");
             Prediction p = m.run("myInput", FloatBuffer.allocate(2 * 784), new long[] {2, 784}, "myOutput")) {
            assertEquals(bundles + 1, LiveResources.openBundles());
            assertEquals(tensors + 1, LiveResources.openTensors());
        }
        assertEquals(bundles, LiveResources.openBundles());
        assertEquals(tensors, LiveResources.openTensors());
    }
}
