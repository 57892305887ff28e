package org.tfinterop;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The benchmark's Java entry points do the work they time (no figures are checked: timing is not tested). */
public class BenchTest {
    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder();
    private static Path linear;

    @BeforeClass
    public static void buildModel() throws IOException {
        linear = TestModels.linear(TMP.getRoot().toPath().resolve("linear"), new String[] {"serve"});
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Test
    public void timePredictionsRunsThePredictionAndFillsTheDestination() {
        float[][] x = TestModels.sampleInput(5);
        FloatBuffer data = direct(5 * 4);
        for (float[] row : x) {
            data.put(row);
        }
        data.flip();
        FloatBuffer dst = direct(5 * 3);
        try (Model m = Model.load(linear, "serve")) {
            long[] nanos = Bench.timePredictions(m, "myInput", data, new long[] {5, 4}, "myOutput", dst, 2, 3);
            assertEquals(3, nanos.length);
            for (long n : nanos) {
                assertTrue("a run takes some time: " + n, n > 0);
            }
            assertEquals("the caller's buffers are left where they were", 0, data.position());
            float[][] want = TestModels.expected(x);
            for (int r = 0; r < 5; r++) {
                float[] got = new float[3];
                dst.position(r * 3);
                dst.get(got);
                assertArrayEquals(want[r], got, 1e-6f);
            }
        }
    }

    @Test
    public void timePredictionsRefusesNoRepeats() {
        try (Model m = Model.load(linear, "serve")) {
            assertThrows(InvalidInputException.class, () -> Bench.timePredictions(m, "myInput", direct(4),
                    new long[] {1, 4}, "myOutput", direct(3), 0, 0));
        }
    }

    @Test
    public void timeSignatureRunsCallsTheSignatureWithTheInputsGiven() throws IOException {
        Path dtypes = GoldenFixtureTest.golden().resolve("dtypes");
        Map<String, TensorData> inputs = Npz.read(dtypes.resolve("inputs.npz"));
        try (Model m = Model.load(dtypes.resolve("model"), "serve")) {
            long[] nanos = Bench.timeSignatureRuns(m, null, inputs, Collections.singletonList("f32_out"), 1, 3);
            assertEquals(3, nanos.length);
            for (long n : nanos) {
                assertTrue("a run takes some time: " + n, n > 0);
            }
            // the inputs reach runSignature, which refuses an incomplete set before TensorFlow runs
            Map<String, TensorData> partial = new TreeMap<>(inputs);
            partial.remove("u8");
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> Bench.timeSignatureRuns(m, null, partial, null, 0, 1));
            assertTrue(e.getMessage(), e.getMessage().contains("missing u8"));
            assertThrows(InvalidInputException.class, () -> Bench.timeSignatureRuns(m, null, inputs, null, 0, 0));
        }
    }

    @Test
    public void tensorRoundTripGivesBackTheSameFloats() {
        FloatBuffer src = direct(6);
        src.put(new float[] {1f, -2.5f, 3e-7f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NaN}).flip();
        FloatBuffer dst = direct(6);
        Bench.tensorRoundTrip(src, new long[] {2, 3}, dst);
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToRawIntBits(src.get(i)), Float.floatToRawIntBits(dst.get(i)));
        }
    }
}
