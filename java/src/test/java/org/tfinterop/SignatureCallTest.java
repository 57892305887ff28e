package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The signature-first call with every dtype TF Java 1.8 feeds, on fixtures/golden/dtypes (six inputs and six
 * outputs of float32, float64, int32, int64, uint8 and bool, with Python TensorFlow 2.21's outputs): through
 * the library and through `tfinterop-java predict --inputs/--outputs`, and its refusals before TensorFlow runs.
 */
public class SignatureCallTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private static Path dtypes() {
        return GoldenFixtureTest.golden().resolve("dtypes");
    }

    /** Null when they agree under the contract users' tests go through (ToleranceContract, as SavedModelAssert). */
    static String disagreement(String key, TensorData want, TensorData got) {
        String why = ToleranceContract.load().disagreement(want, got);
        return why == null ? null : key + ": " + why;
    }

    @Test
    public void everyDtypeGivesPythonTensorFlowsOutputs() throws IOException {
        Map<String, TensorData> inputs = Npz.read(dtypes().resolve("inputs.npz"));
        Map<String, TensorData> expected = Npz.read(dtypes().resolve("expected.npz"));
        assertEquals(6, inputs.size());
        try (Model m = Model.load(dtypes().resolve("model"), "serve")) {
            Map<String, TensorData> got = m.runSignature(null, inputs, null);
            assertEquals(expected.keySet(), got.keySet());
            for (String k : expected.keySet()) {
                assertNull(disagreement(k, expected.get(k), got.get(k)));
            }
            Map<String, TensorData> one = m.runSignature("serving_default", inputs, Collections.singletonList("u8_out"));
            assertEquals(Collections.singleton("u8_out"), one.keySet());
        }
    }

    /**
     * fixtures/golden/mixed: a trained MNIST model (models.py's mixed) with five inputs and five outputs of
     * float32, float64, int32, int64 and bool, held to Python TensorFlow 2.21's outputs through the library
     * and through the command line.
     */
    @Test
    public void theMixedDtypeModelGivesPythonTensorFlowsOutputs() throws IOException {
        Path mixed = GoldenFixtureTest.golden().resolve("mixed");
        Map<String, TensorData> inputs = Npz.read(mixed.resolve("inputs.npz"));
        Map<String, TensorData> expected = Npz.read(mixed.resolve("expected.npz"));
        assertEquals("[class_offset, expected, image, mask, temperature]", inputs.keySet().toString());
        assertEquals("[correct, label, probabilities, score, shifted]", expected.keySet().toString());
        try (Model m = Model.load(mixed.resolve("model"), "serve")) {
            Map<String, TensorData> got = m.runSignature("serving_default", inputs, null);
            assertEquals(expected.keySet(), got.keySet());
            for (String k : expected.keySet()) {
                assertNull(disagreement(k, expected.get(k), got.get(k)));
            }
        }
        Path out = tmp.getRoot().toPath().resolve("mixed.npz");
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = Cli.run(new String[] {"predict", mixed.resolve("model").toString(), "--signature", "serving_default",
            "--inputs", mixed.resolve("inputs.npz").toString(), "--outputs", out.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, "UTF-8"), new PrintStream(stderr, true, "UTF-8"));
        assertEquals(stderr.toString("UTF-8"), 0, code);
        Map<String, TensorData> written = Npz.read(out);
        assertEquals(expected.keySet(), written.keySet());
        for (String k : expected.keySet()) {
            assertNull(disagreement(k, expected.get(k), written.get(k)));
        }
    }

    /**
     * fixtures/golden/strings: string inputs of rank 1 and 2 (an empty string, UTF-8 beyond ASCII, a NUL
     * inside one) as byte[][] tensors, string and int64 outputs, against Python TensorFlow 2.21's, through
     * the library and through .npz files both ways.
     */
    @Test
    public void stringsCrossAsBytesAndGivePythonTensorFlowsOutputs() throws IOException {
        Path strings = GoldenFixtureTest.golden().resolve("strings");
        Map<String, TensorData> inputs = Npz.read(strings.resolve("inputs.npz"));
        Map<String, TensorData> expected = Npz.read(strings.resolve("expected.npz"));
        assertEquals("string[4, 2]", inputs.get("pair").toString());
        assertArrayEquals(new byte[] {'a', 0, 'b'}, inputs.get("word").strings()[3]);
        assertArrayEquals(new byte[0], inputs.get("word").strings()[1]);
        try (Model m = Model.load(strings.resolve("model"), "serve")) {
            Map<String, TensorData> got = m.runSignature(null, inputs, null);
            assertEquals(expected.keySet(), got.keySet());
            for (String k : expected.keySet()) {
                assertNull(disagreement(k, expected.get(k), got.get(k)));
            }
            Map<String, TensorData> numberForString = new TreeMap<>(inputs);
            numberForString.put("word", TensorData.of("int32", new long[] {1}, ByteBuffer.allocate(4)));
            refused(m, numberForString, "input 'word' expects string[?]; got int32[1]");
        }
        // Written as numpy writes bytes ('|S<longest>', NUL-padded) and read back unchanged.
        Path out = tmp.getRoot().toPath().resolve("strings.npz");
        Npz.write(out, expected, false);
        Map<String, TensorData> back = Npz.read(out);
        for (String k : expected.keySet()) {
            assertNull(disagreement(k, expected.get(k), back.get(k)));
        }
        try {
            TensorData.ofStrings(new long[] {2}, new byte[][] {{1}});
            fail("a short string array was taken");
        } catch (InvalidInputException e) {
            assertThat(e.getMessage(), containsString("shape [2] of string needs 2 elements, got 1"));
        }
    }

    @Test
    public void theCommandLineWritesEveryOutput() throws IOException {
        Path out = tmp.getRoot().toPath().resolve("y.npz");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = Cli.run(new String[] {"predict", dtypes().resolve("model").toString(), "--inputs",
            dtypes().resolve("inputs.npz").toString(), "--outputs", out.toString()},
                new PrintStream(stdout, true, "UTF-8"), new PrintStream(stderr, true, "UTF-8"));
        assertEquals(stderr.toString("UTF-8"), 0, code);
        assertThat(stdout.toString("UTF-8"), containsString(": f32_out float32[2, 3], f64_out float64[2, 3], flag_out bool[2], i32_out int32[2]"));
        Map<String, TensorData> expected = Npz.read(dtypes().resolve("expected.npz"));
        Map<String, TensorData> got = Npz.read(out);
        for (String k : expected.keySet()) {
            assertNull(disagreement(k, expected.get(k), got.get(k)));
        }
    }

    @Test
    public void badInputsAreRefusedBeforeTensorFlowRuns() throws IOException {
        Map<String, TensorData> good = Npz.read(dtypes().resolve("inputs.npz"));
        try (Model m = Model.load(dtypes().resolve("model"), "serve")) {
            Map<String, TensorData> missing = new TreeMap<>(good);
            missing.remove("flag");
            missing.put("extra", good.get("i32"));
            refused(m, missing, "takes the inputs f32, f64, flag, i32, i64, u8; missing flag; unknown extra");
            Map<String, TensorData> wrongType = new TreeMap<>(good);
            wrongType.put("i32", good.get("i64"));
            refused(m, wrongType, "input 'i32' expects int32[?]; got int64 with 1 value(s) outside int32's range, "
                    + "the first 1099511627776 at [0]");
            wrongType.put("i32", good.get("u8"));
            refused(m, wrongType, "input 'i32' expects int32[?]; got shape [2, 2]");     // converted, then checked
            wrongType.put("i32", good.get("f32"));
            refused(m, wrongType, "input 'i32' expects int32[?]; got float32[2, 3]");
            Map<String, TensorData> wrongShape = new TreeMap<>(good);
            wrongShape.put("f32", TensorData.of("float32", new long[] {3, 2}, good.get("f32").data()));
            refused(m, wrongShape, "input 'f32' expects float32[?, 3]; got shape [3, 2]");
            try {
                m.runSignature("predict", good, null);
                fail("an unknown signature ran");
            } catch (SignatureNotFoundException e) {
                assertThat(e.getMessage(), containsString("no signature 'predict'; its signatures: serving_default"));
            }
        }
        try {
            TensorData.of("float32", new long[] {2, 2}, ByteBuffer.allocate(12));
            fail("a short buffer was taken");
        } catch (InvalidInputException e) {
            assertThat(e.getMessage(), containsString("needs 16 bytes, got 12"));
        }
        try {
            TensorData.of("string", new long[] {1}, ByteBuffer.allocate(1));
            fail("a string tensor was taken");
        } catch (UnsupportedDataTypeException e) {
            assertThat(e.getMessage(), containsString("supported: bool, float32, float64, int32, int64, uint8"));
        }
    }

    private static void refused(Model m, Map<String, TensorData> inputs, String words) {
        try {
            m.runSignature(null, inputs, null);
            fail("ran: " + inputs.keySet());
        } catch (InvalidInputException e) {
            assertThat(e.getMessage(), containsString(words));
        }
    }

    @Test
    public void npzThatIsNotDataIsRefusedNamingWhatWasFound() throws IOException {
        Path junk = tmp.newFile("junk.npz").toPath();
        Files.write(junk, "not a zip".getBytes(StandardCharsets.UTF_8));
        try {
            Npz.read(junk);
            fail("read junk");
        } catch (NpyFormatException e) {
            assertThat(e.getMessage(), containsString("not an .npz"));
        }
        // An array of a dtype no signature call takes (complex128, '<c16'), in an otherwise good .npz: data, but
        // not an input any signature call takes (invalid-input, as Python's feeds says it).
        Path odd = tmp.getRoot().toPath().resolve("odd.npz");
        byte[] header = "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer npy = ByteBuffer.allocate(10 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        npy.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header);
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(odd))) {
            z.putNextEntry(new java.util.zip.ZipEntry("x.npy"));
            z.write(npy.array());
            z.closeEntry();
        }
        try {
            Npz.read(odd);
            fail("read complex128");
        } catch (InvalidInputException e) {
            assertThat(e.getMessage(), containsString("odd.npz[x]: dtype is '<c16'"));
        }
        assertArrayEquals(new long[] {2, 3}, Npz.read(dtypes().resolve("inputs.npz")).get("f32").shape());
    }
}
