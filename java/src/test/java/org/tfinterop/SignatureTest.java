package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tensorflow.framework.DataType;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.SavedModel;
import org.tensorflow.framework.SignatureDef;
import org.tensorflow.framework.TensorInfo;

/** Calls by signature key and input/output keys, on the golden fixtures and on a Java-built model. */
public class SignatureTest {
    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder();

    private static Path compatMyTag() {
        return GoldenFixtureTest.golden().resolve("compat-mytag");
    }

    @Test
    public void goldenSignaturesResolveToTheirTensors() {
        try (Model m = Model.load(compatMyTag(), "myTag")) {
            assertEquals(Collections.singletonList("predict"), m.signatureKeys());
            SignatureInfo s = m.signature("predict");
            assertEquals("tensorflow/serving/predict", s.methodName());
            assertEquals(Collections.singletonList("myInput"), Arrays.asList(s.inputs().keySet().toArray()));
            assertEquals("myInput:0", s.inputName("myInput"));
            assertEquals("myInput:0", s.inputName(null));
            assertEquals("myOutput:0", s.outputName(null));
            assertEquals("float32[?, 784]", s.inputs().get("myInput").toString());
            assertEquals("float32[?, 10]", s.outputs().get("myOutput").toString());
        }
        try (Model m = Model.load(compatMyTag(), "serve")) {
            assertEquals(Collections.singletonList("serving_default"), m.signatureKeys());
        }
    }

    @Test
    public void runSignatureEqualsRunByNameAndTheGoldenOutput() throws IOException {
        Npy x = Npy.read(GoldenFixtureTest.golden().resolve("input.npy"));
        Npy expected = Npy.read(GoldenFixtureTest.golden().resolve("expected").resolve("compat-mytag__myTag.npy"));
        ToleranceContract tolerance = ToleranceContract.load();
        try (Model m = Model.load(compatMyTag(), "myTag");
             Prediction bySignature = m.runSignature("predict", null, x.buffer(), x.shape(), null);
             Prediction named = m.runSignature("predict", "myInput", x.buffer(), x.shape(), "myOutput");
             Prediction byName = m.run("myInput", x.buffer(), x.shape(), "myOutput")) {
            assertArrayEquals(byName.toArray(), bySignature.toArray(), 0f);
            assertArrayEquals(byName.toArray(), named.toArray(), 0f);
            assertArrayEquals(expected.shape(), bySignature.shape());
            String problem = tolerance.disagreement(expected.shape(), expected.data(), bySignature.shape(), bySignature.toArray());
            assertEquals(null, problem);
        }
    }

    @Test
    public void unknownKeysListTheKeysThereAre() {
        float[] one = new float[784];
        long[] shape = {1, 784};
        try (Model m = Model.load(compatMyTag(), "myTag")) {
            try {
                m.runSignature("serving_default", null, FloatBuffer.wrap(one), shape, null);
                fail("expected SignatureNotFoundException");
            } catch (SignatureNotFoundException e) {
                assertEquals("signature-not-found", e.kind());
                assertEquals(Collections.singletonList("predict"), e.availableKeys());
                assertThat(e.getMessage(), containsString("its signatures: predict"));
            }
            try {
                m.runSignature("predict", "images", FloatBuffer.wrap(one), shape, null);
                fail("expected SignatureKeyNotFoundException");
            } catch (SignatureKeyNotFoundException e) {
                assertEquals("signature-key-not-found", e.kind());
                assertEquals(Collections.singletonList("myInput"), e.availableKeys());
                assertThat(e.getMessage(), containsString("no input 'images'"));
            }
            try {
                m.runSignature("predict", null, FloatBuffer.wrap(one), shape, "myOutput:0");
                fail("a tensor name is not an output key");
            } catch (SignatureKeyNotFoundException e) {
                assertThat(e.getMessage(), containsString("its output keys: myOutput"));
            }
        }
    }

    /** The linear test model with signature "two_out": x -> {probs: myOutput, xw: MatMul}, and "sparse". */
    private static Path twoOutputModel() throws IOException {
        Path dir = TestModels.linear(TMP.getRoot().toPath().resolve("plain"), new String[] {"serve"});
        SavedModel plain = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
        GraphDef graph = plain.getMetaGraphs(0).getGraphDef();
        TensorInfo x = TensorInfo.newBuilder().setName("myInput:0").setDtype(DataType.DT_FLOAT).build();
        SignatureDef twoOut = SignatureDef.newBuilder().putInputs("x", x)
                .putOutputs("probs", TensorInfo.newBuilder().setName("myOutput:0").setDtype(DataType.DT_FLOAT).build())
                .putOutputs("xw", TensorInfo.newBuilder().setName("MatMul:0").setDtype(DataType.DT_FLOAT).build())
                .setMethodName("tensorflow/serving/predict").build();
        SignatureDef sparse = SignatureDef.newBuilder().putInputs("x", TensorInfo.newBuilder()
                .setCooSparse(TensorInfo.CooSparse.newBuilder().setValuesTensorName("v:0")).build())
                .putOutputs("y", x).build();
        MetaGraphDef.Builder mg = MetaGraphDef.newBuilder().setGraphDef(graph)
                .putSignatureDef("two_out", twoOut).putSignatureDef("sparse", sparse);
        mg.getMetaInfoDefBuilder().addTags("serve");
        Path out = TMP.getRoot().toPath().resolve("signed");
        Files.createDirectories(out);
        Files.write(out.resolve("saved_model.pb"),
                SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(mg).build().toByteArray());
        return out;
    }

    @Test
    public void severalOutputsNeedAKey() throws IOException {
        float[] x = ModelTest.flatten(TestModels.sampleInput(3));
        long[] shape = {3, 4};
        try (Model m = Model.load(twoOutputModel(), "serve")) {
            assertEquals(Arrays.asList("sparse", "two_out"), m.signatureKeys());
            try {
                m.runSignature("two_out", null, FloatBuffer.wrap(x), shape, null);
                fail("expected SignatureKeyNotFoundException");
            } catch (SignatureKeyNotFoundException e) {
                assertEquals(Arrays.asList("probs", "xw"), e.availableKeys());
                assertThat(e.getMessage(), containsString("has 2 outputs"));
            }
            try (Prediction probs = m.runSignature("two_out", null, FloatBuffer.wrap(x), shape, "probs");
                 Prediction xw = m.runSignature("two_out", "x", FloatBuffer.wrap(x), shape, "xw")) {
                float[][] want = TestModels.expected(TestModels.sampleInput(3));
                float[][] got = probs.toMatrix();
                for (int r = 0; r < 3; r++) {
                    assertArrayEquals(want[r], got[r], 1e-6f);
                }
                float[][] products = xw.toMatrix();
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < 3; c++) {
                        double dot = 0;
                        for (int k = 0; k < 4; k++) {
                            dot += (double) x[r * 4 + k] * TestModels.W[k][c];
                        }
                        assertEquals(dot, products[r][c], 1e-5);
                    }
                }
            }
            try {
                m.runSignature("sparse", null, FloatBuffer.wrap(x), shape, null);
                fail("a composite tensor has no name to feed");
            } catch (InvalidInputException e) {
                assertThat(e.getMessage(), containsString("composite"));
            }
        }
    }

    private static String[] runCli(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Cli.run(args, new PrintStream(o, true), new PrintStream(e, true));
        return new String[] {Integer.toString(rc), new String(o.toByteArray(), StandardCharsets.UTF_8),
            new String(e.toByteArray(), StandardCharsets.UTF_8)};
    }

    @Test
    public void cliPredictBySignature() throws IOException {
        Path x = GoldenFixtureTest.golden().resolve("input.npy");
        Path y = TMP.getRoot().toPath().resolve("y.npy");
        String[] r = runCli("predict", compatMyTag().toString(), "--tag", "myTag", "--signature", "predict",
                "--input", x.toString(), "--output", y.toString());
        assertEquals(r[2], "0", r[0]);
        Npy got = Npy.read(y);
        Path byName = TMP.getRoot().toPath().resolve("by-name.npy");
        assertEquals("0", runCli("predict", compatMyTag().toString(), "--tag", "myTag",
                "--input", x.toString(), "--output", byName.toString())[0]);
        assertArrayEquals(Npy.read(byName).data(), got.data(), 0f);

        Path none = TMP.getRoot().toPath().resolve("none.npy");
        r = runCli("predict", compatMyTag().toString(), "--signature", "predict", "--input", x.toString(),
                "--output", none.toString());
        assertEquals("2", r[0]);
        assertThat(r[2], containsString("error: signature-not-found: "));
        assertThat(r[2], containsString("serving_default"));
        r = runCli("predict", compatMyTag().toString(), "--signature", "serving_default", "--input-key", "pixels",
                "--input", x.toString(), "--output", none.toString());
        assertEquals("2", r[0]);
        assertThat(r[2], containsString("error: signature-key-not-found: "));
        assertThat(r[2], containsString("its input keys: myInput"));
        assertFalse(Files.exists(none));
        assertEquals("2", runCli("predict", "d", "--input", "x", "--output", "y", "--output-key", "k")[0]);
        assertEquals("2", runCli("predict", "d", "--input", "x", "--output", "y", "--signature", "s",
                "--input-name", "n")[0]);
    }

    @Test
    public void cliInspectPrintsEverySignature() {
        String[] r = runCli("inspect", compatMyTag().toString());
        assertEquals(r[2], "0", r[0]);
        String out = r[1];
        assertTrue(out, out.startsWith("\nMetaGraphDef with tag-set: 'myTag' contains the following SignatureDefs:\n"));
        assertThat(out, containsString("signature_def['predict']:\n"));
        assertThat(out, containsString("signature_def['serving_default']:\n"));
        assertThat(out, containsString("    inputs['myInput'] tensor_info:\n        dtype: DT_FLOAT\n"
                + "        shape: (-1, 784)\n        name: myInput:0\n"));
        assertThat(out, containsString("The MetaGraph with tag set ['serve'] contains the following ops: {'AddV2', "));
        assertThat(out, containsString("\nAsset files:\n"));
        assertEquals("2", runCli("inspect", TMP.getRoot().toPath().resolve("missing").toString())[0]);
        assertEquals("2", runCli("inspect")[0]);
    }
}
