package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.CoreMatchers.startsWith;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ModelTest {
    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder();
    private static Path linear;

    @BeforeClass
    public static void buildModel() throws IOException {
        linear = TestModels.linear(TMP.getRoot().toPath().resolve("linear"),
                new String[] {"serve"}, new String[] {"myTag"}, new String[] {"myTag", "extra"});
    }

    @Test
    public void predictMatchesIndependentComputation() {
        float[][] x = TestModels.sampleInput(7);
        try (Model m = Model.load(linear, "serve")) {
            float[][] y = m.predict("myInput", x, "myOutput");
            float[][] want = TestModels.expected(x);
            for (int r = 0; r < x.length; r++) {
                assertArrayEquals(want[r], y[r], 1e-6f);
            }
        }
    }

    @Test
    public void runAcceptsOpIndexNamesAndLeavesCallerBufferAlone() {
        float[][] x = TestModels.sampleInput(2);
        FloatBuffer data = FloatBuffer.allocate(8);
        data.put(x[0]).put(x[1]).flip();
        try (Model m = Model.load(linear, "serve");
             Prediction p = m.run("myInput:0", data, new long[] {2, 4}, "myOutput:0")) {
            assertArrayEquals(new long[] {2, 3}, p.shape());
            assertEquals(6, p.size());
            assertEquals(0, data.position());
            assertArrayEquals(TestModels.expected(x)[1], p.toMatrix()[1], 1e-6f);
            FloatBuffer small = FloatBuffer.allocate(5);
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> p.writeTo(small));
            assertThat(e.getMessage(), containsString("room for 5"));
            FloatBuffer big = FloatBuffer.allocate(10);
            big.position(2);
            p.writeTo(big);
            assertEquals(8, big.position());
        }
    }

    @Test
    public void directNativeOrderBytesAsPythonPassesThem() {
        float[][] x = TestModels.sampleInput(3);
        ByteBuffer bytes = ByteBuffer.allocateDirect(3 * 4 * 4).order(java.nio.ByteOrder.nativeOrder());
        for (float[] row : x) {
            for (float v : row) {
                bytes.putFloat(v);
            }
        }
        bytes.flip();
        bytes.order(java.nio.ByteOrder.BIG_ENDIAN); // floats() must not depend on the caller's order
        try (Model m = Model.load(linear, "serve");
             Prediction p = m.run("myInput", Buffers.floats(bytes), new long[] {3, 4}, "myOutput")) {
            assertArrayEquals(TestModels.expected(x)[2], p.toMatrix()[2], 1e-6f);
        }
    }

    @Test
    public void emptyBatchGivesEmptyOutput() {
        try (Model m = Model.load(linear, "serve")) {
            float[][] y = m.predict("myInput", new float[0][], "myOutput");
            assertEquals(0, y.length);
            try (Prediction p = m.run("myInput", FloatBuffer.allocate(0), new long[] {0, 4}, "myOutput")) {
                assertArrayEquals(new long[] {0, 3}, p.shape());
            }
        }
    }

    @Test
    public void validatesBeforeTensorFlowSeesTheFeed() {
        try (Model m = Model.load(linear, "serve")) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> m.run("myInput", FloatBuffer.allocate(9), new long[] {3, 3}, "myOutput"));
            assertEquals("input 'myInput' expects shape [?, 4] (float32), got [3, 3]", e.getMessage());
            assertEquals("invalid-input", e.kind());
            assertNull(e.runtimeMessage());
            e = assertThrows(InvalidInputException.class,
                    () -> m.run("myInput", FloatBuffer.allocate(4), new long[] {4}, "myOutput"));
            assertThat(e.getMessage(), containsString("(rank 1, expected rank 2)"));
            e = assertThrows(InvalidInputException.class,
                    () -> m.run("myInput", FloatBuffer.allocate(7), new long[] {2, 4}, "myOutput"));
            assertEquals("input 'myInput': shape [2, 4] needs 8 floats, got 7", e.getMessage());
            e = assertThrows(InvalidInputException.class,
                    () -> m.run("intInput", FloatBuffer.allocate(2), new long[] {2}, "myOutput"));
            assertThat(e.getMessage(), containsString("expects shape [?] (int32)"));
            e = assertThrows(InvalidInputException.class,
                    () -> m.predict("myInput", new float[][] {new float[4], new float[3]}, "myOutput"));
            assertThat(e.getMessage(), containsString("ragged"));
            UnsupportedDataTypeException u = assertThrows(UnsupportedDataTypeException.class,
                    () -> m.run("myInput", FloatBuffer.allocate(4), new long[] {1, 4}, "intConst"));
            assertThat(u.getMessage(), containsString("int32"));
        }
    }

    @Test
    public void unknownRankPlaceholderTakesAnyShape() {
        try (Model m = Model.load(linear, "serve");
             Prediction p = m.run("anyInput", FloatBuffer.wrap(new float[] {1, 2, 3, 4, 5, 6}),
                     new long[] {1, 2, 3}, "anyOutput")) {
            assertArrayEquals(new long[] {1, 2, 3}, p.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, p.toArray(), 0f);
            assertThat(assertThrows(InvalidInputException.class, p::toMatrix).getMessage(),
                    containsString("rank-2"));
        }
    }

    @Test
    public void unknownTensorsSuggestNamesOrPlaceholders() {
        try (Model m = Model.load(linear, "serve")) {
            UnknownTensorException e = assertThrows(UnknownTensorException.class,
                    () -> m.run("myInptu", FloatBuffer.allocate(4), new long[] {1, 4}, "myOutput"));
            assertTrue(e.suggestions().contains("myInput"));
            assertThat(e.getMessage(), containsString("did you mean"));
            e = assertThrows(UnknownTensorException.class,
                    () -> m.run("zzzzzz", FloatBuffer.allocate(4), new long[] {1, 4}, "myOutput"));
            assertEquals(Arrays.asList("anyInput", "intInput", "myInput"), e.suggestions());
            e = assertThrows(UnknownTensorException.class,
                    () -> m.run("myInput", FloatBuffer.allocate(4), new long[] {1, 4}, "myOutput:1"));
            assertThat(e.getMessage(), containsString("has 1 output(s)"));
            assertEquals("unknown-tensor", e.kind());
        }
    }

    @Test
    public void operationsDescribeOutputs() {
        try (Model m = Model.load(linear, "serve")) {
            List<OperationInfo> ops = m.operations();
            OperationInfo in = ops.stream().filter(o -> o.name().equals("myInput")).findFirst().get();
            assertEquals("Placeholder", in.type());
            assertEquals("float32[?, 4]", in.outputs().get(0).toString());
            assertEquals("myInput:0", in.outputs().get(0).name());
            assertNull(m.tensor("anyInput").shape());
            assertEquals("float32<unknown rank>", m.tensor("anyInput").toString());
        }
    }

    @Test
    public void tagSetsMatchAsSetsAndMissingOnesAreListed() {
        try (Model m = Model.load(linear, "extra", "myTag")) {
            assertEquals(Arrays.asList("extra", "myTag"), m.tags());
        }
        TagSetNotFoundException e = assertThrows(TagSetNotFoundException.class, () -> Model.load(linear, "nope"));
        assertThat(e.getMessage(), containsString("it has [serve] [myTag] [myTag, extra]"));
        assertEquals(3, e.availableTagSets().size());
        assertEquals("tag-set-not-found", e.kind());
        assertThrows(TagSetNotFoundException.class, () -> Model.load(linear, "myTag", "serve"));
    }

    @Test
    public void loadFailureCarriesTensorFlowsMessage() throws IOException {
        Path bad = TestModels.unloadable(TMP.getRoot().toPath().resolve("unloadable"), "serve");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(bad, "serve"));
        assertEquals("load-failed", e.kind());
        assertThat(e.runtimeMessage(), startsWith("Op type not registered 'NoSuchOpForTfInteropTests'"));
        assertEquals("TensorFlow " + Model.tensorflowVersion() + " could not load " + bad + " with tags [serve]: "
                + e.runtimeMessage(), e.getMessage());
    }

    @Test
    public void missingDirectoryAndMissingOrGarbageSavedModel() throws IOException {
        Path root = TMP.newFolder().toPath();
        ModelNotFoundException nf = assertThrows(ModelNotFoundException.class,
                () -> Model.load(root.resolve("absent"), "serve"));
        assertEquals("model-not-found", nf.kind());
        Path file = Files.write(root.resolve("file"), new byte[] {1});
        assertThat(assertThrows(ModelNotFoundException.class, () -> Model.load(file, "serve")).getMessage(),
                containsString("not a directory"));
        Path empty = Files.createDirectory(root.resolve("empty"));
        NotASavedModelException n = assertThrows(NotASavedModelException.class, () -> Model.load(empty, "serve"));
        assertThat(n.getMessage(), containsString("saved_model.pb is missing; this is not a SavedModel directory"));
        assertEquals("not-a-saved-model", n.kind());
        Path garbage = Files.createDirectory(root.resolve("garbage"));
        Files.write(garbage.resolve("saved_model.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02});
        assertThat(assertThrows(NotASavedModelException.class, () -> Model.load(garbage, "serve")).getMessage(),
                containsString("cannot be parsed as a SavedModel protobuf"));
        Path blank = Files.createDirectory(root.resolve("blank"));
        Files.write(blank.resolve("saved_model.pb"), new byte[0]);
        assertThat(assertThrows(NotASavedModelException.class, () -> Model.load(blank, "serve")).getMessage(),
                containsString("holds no MetaGraphDef"));
        Path dirPb = Files.createDirectories(root.resolve("dirpb").resolve("saved_model.pb"));
        assertThrows(NotASavedModelException.class, () -> Model.load(dirPb.getParent(), "serve"));
    }

    @Test
    public void closedModelAndPredictionFailClearlyAndCloseTwiceIsHarmless() {
        Model m = Model.load(linear, "serve");
        Prediction p = m.run("myInput", FloatBuffer.allocate(4), new long[] {1, 4}, "myOutput");
        p.close();
        p.close();
        assertEquals("closed", assertThrows(ClosedException.class, p::shape).kind());
        m.close();
        m.close();
        ClosedException e = assertThrows(ClosedException.class, m::operations);
        assertThat(e.getMessage(), containsString("is closed"));
        assertThrows(ClosedException.class, () -> m.run("myInput", FloatBuffer.allocate(4), new long[] {1, 4}, "myOutput"));
    }

    @Test
    public void loadRunCloseFiftyTimes() {
        float[][] x = TestModels.sampleInput(16);
        float[][] want = TestModels.expected(x);
        for (int i = 0; i < 50; i++) {
            try (Model m = Model.load(linear, "myTag");
                 Prediction p = m.run("myInput", FloatBuffer.wrap(flatten(x)), new long[] {16, 4}, "myOutput")) {
                assertArrayEquals(want[15], p.toMatrix()[15], 1e-6f);
            }
        }
    }

    static float[] flatten(float[][] x) {
        float[] f = new float[x.length * x[0].length];
        for (int r = 0; r < x.length; r++) {
            System.arraycopy(x[r], 0, f, r * x[r].length, x[r].length);
        }
        return f;
    }
}
