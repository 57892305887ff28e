package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.MetaGraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.SavedModel;

/**
 * The bad-input catalogue (fixtures/bad-inputs/catalogue.json, shared with the Python tests) through the
 * Java library and the Java command line. Each case is built from a copy of a golden fixture. A case with
 * {@code inputs} is a call by signature: its .npz goes through Npz.read and Model.runSignature, and through
 * {@code predict --inputs}.
 */
@RunWith(Parameterized.class)
public class BadInputCatalogueTest {
    private static final Path FIXTURES = Paths.get(System.getProperty("tfinterop.fixtures", "../fixtures"));
    /** The numeric dtypes of an {@code inputs.set} array (beside bytes, str and object). */
    private static final List<String> NPZ_DTYPES =
            Arrays.asList("float32", "float64", "int32", "int64", "uint8", "bool");

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    private final JsonObject c;

    public BadInputCatalogueTest(String id, JsonObject c) {
        this.c = c;
    }

    @Parameters(name = "{0}")
    public static Collection<Object[]> cases() throws IOException {
        String text = new String(Files.readAllBytes(FIXTURES.resolve("bad-inputs/catalogue.json")), StandardCharsets.UTF_8);
        List<Object[]> out = new ArrayList<>();
        for (JsonElement e : new JsonParser().parse(text).getAsJsonObject().getAsJsonArray("cases")) {
            JsonObject o = e.getAsJsonObject();
            out.add(new Object[] {o.get("id").getAsString(), o});
        }
        assertTrue("at least 20 cases", out.size() >= 20);
        return out;
    }

    private JsonObject expect() {
        return c.getAsJsonObject("expect");
    }

    private boolean ok() {
        return expect().has("ok");
    }

    private String[] tags() {
        return c.has("tags") ? strings(c.getAsJsonArray("tags")) : new String[] {"serve"};
    }

    private String name(String key, String dflt) {
        return c.has(key) ? c.get(key).getAsString() : dflt;
    }

    private JsonObject input() {
        return c.has("input") ? c.getAsJsonObject("input") : new JsonObject();
    }

    private long[] shape() {
        JsonObject in = input();
        if (!in.has("shape")) {
            return new long[] {3, 784};
        }
        JsonArray a = in.getAsJsonArray("shape");
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsLong();
        }
        return s;
    }

    private String dtype() {
        return input().has("dtype") ? input().get("dtype").getAsString() : "float32";
    }

    private List<String> outputKeys() {
        return c.has("output_keys") ? Arrays.asList(strings(c.getAsJsonArray("output_keys"))) : null;
    }

    /** Through the library: Model.load and Model.run (a float-only API, so the dtype cases are the CLI's). */
    @Test
    public void library() throws Exception {
        if (c.has("output")) {
            return;     // output files exist only on the command line, tested below
        }
        if (c.has("inputs")) {
            librarySignature();
            return;
        }
        if (!dtype().equals("float32")) {
            return;     // .npy dtypes exist only on the command line, tested below
        }
        Path dir = buildModel(tmp.getRoot().toPath());
        long before = LiveResources.openBundles();
        try (Model m = Model.load(dir, tags());
             Prediction p = m.run(name("input_name", "myInput"), floats(), shape(), name("output_name", "myOutput"))) {
            if (!ok()) {
                fail(c.get("id") + " should fail with " + expect().get("kind"));
            }
            checkResult(p.shape(), p.toArray());
        } catch (TfInteropException e) {
            checkError(e);
        }
        assertEquals("a bundle stayed open", before, LiveResources.openBundles());
    }

    /** A call by signature: the .npz read before the model loads, as the command line does, then runSignature. */
    private void librarySignature() throws Exception {
        Path root = tmp.getRoot().toPath();
        Path dir = buildModel(root);
        Path file = writeInputs(root);
        long before = LiveResources.openBundles();
        try {
            Map<String, TensorData> inputs = Npz.read(file);
            try (Model m = Model.load(dir, tags())) {
                Map<String, TensorData> out = m.runSignature(name("signature", null), inputs, outputKeys());
                if (!ok()) {
                    fail(c.get("id") + " should fail with " + expect().get("kind"));
                }
                checkOutputs(out);
            }
        } catch (TfInteropException e) {
            checkError(e);
        }
        assertEquals("a bundle stayed open", before, LiveResources.openBundles());
    }

    private void checkError(TfInteropException e) {
        if (ok()) {
            throw new AssertionError(c.get("id") + " should work but gave " + e.kind() + ": " + e.getMessage(), e);
        }
        assertEquals(e.getMessage(), expect().get("kind").getAsString(), e.kind());
        for (String word : strings(expect().getAsJsonArray("mentions"))) {
            assertThat(e.getMessage(), containsString(word));
        }
    }

    /** Through the command line, in-process (Cli.run never exits the JVM). */
    @Test
    public void commandLine() throws Exception {
        if (c.has("output_keys")) {
            return;     // predict --outputs writes every output: naming the keys to fetch is the library's, above
        }
        Path root = tmp.getRoot().toPath();
        Path dir = buildModel(root);
        boolean byKeys = c.has("inputs");
        Path x = byKeys ? writeInputs(root) : root.resolve("x.npy");
        if (!byKeys) {
            Files.write(x, npy());
        }
        Path outDir = root;
        if ("read-only".equals(name("output", ""))) {
            outDir = root.resolve("read-only");
            ReadOnly.make(outDir);
        }
        String place = name("output", "");
        // exists/read-only: y beside the inputs; inside-model, is-input, directory: where no output may go
        Path y = "inside-model".equals(place) ? dir.resolve("y.npy") : "is-input".equals(place) ? x
                : "directory".equals(place) ? outDir : outDir.resolve(byKeys ? "y.npz" : "y.npy");
        if ("exists".equals(place)) {
            Files.write(y, "precious".getBytes(StandardCharsets.UTF_8));
        }
        Map<String, byte[]> before = snapshot(root);
        List<String> args = new ArrayList<>(byKeys
                ? Arrays.asList("predict", dir.toString(), "--inputs", x.toString(), "--outputs", y.toString())
                : Arrays.asList("predict", dir.toString(), "--input", x.toString(), "--output", y.toString(),
                        "--input-name", name("input_name", "myInput"),
                        "--output-name", name("output_name", "myOutput")));
        if (Arrays.asList("inside-model", "is-input", "directory").contains(place)) {
            args.add("--overwrite");
        }
        if (c.has("signature")) {
            args.add("--signature");
            args.add(name("signature", null));
        }
        for (String t : tags()) {
            args.add("--tag");
            args.add(t);
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc;
        List<String> left;
        try {
            rc = Cli.run(args.toArray(new String[0]), new PrintStream(o, true), new PrintStream(e, true));
            try (Stream<Path> s = Files.list(outDir)) {
                left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + y.getFileName()))
                        .collect(Collectors.toList());
            }
        } finally {
            if (outDir != root) {
                ReadOnly.undo(outDir);
            }
        }
        String err = new String(e.toByteArray(), StandardCharsets.UTF_8);
        assertEquals("partial output files left", new ArrayList<String>(), left);
        if (Arrays.asList("inside-model", "is-input", "directory").contains(place)) {
            assertEquals("the model or its input changed", before.keySet(), snapshot(root).keySet());
            for (Map.Entry<String, byte[]> f : before.entrySet()) {
                assertArrayEquals(f.getKey(), f.getValue(), snapshot(root).get(f.getKey()));
            }
        }
        if (ok() && byKeys) {
            assertEquals(err, 0, rc);
            checkOutputs(Npz.read(y));
        } else if (ok()) {
            assertEquals(err, 0, rc);
            Npy out = Npy.read(y);
            float[] values = new float[(int) Shapes.elements(out.shape())];
            out.buffer().get(values);
            checkResult(out.shape(), values);
        } else {
            String kind = expect().has("java_cli_kind") ? expect().get("java_cli_kind").getAsString()
                    : expect().get("kind").getAsString();
            assertEquals(err, ErrorKinds.exitCode(kind), rc);
            assertThat(err, containsString("error: " + kind + ":"));
            for (String word : strings(expect().getAsJsonArray("mentions"))) {
                assertThat(err, containsString(word));
            }
            if ("exists".equals(name("output", ""))) {
                assertEquals("precious", new String(Files.readAllBytes(y), StandardCharsets.UTF_8));
            }
        }
    }

    /** An ok call by signature: every output as the golden .npz expect.outputs has it (tolerance.json). */
    private void checkOutputs(Map<String, TensorData> got) throws IOException {
        Map<String, TensorData> want = Npz.read(golden(expect().get("outputs").getAsString()));
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertNull(SignatureCallTest.disagreement(k, want.get(k), got.get(k)));
        }
    }

    private void checkResult(long[] shape, float[] values) {
        JsonArray want = expect().getAsJsonArray("shape");
        assertEquals(want.size(), shape.length);
        for (int i = 0; i < shape.length; i++) {
            assertEquals(want.get(i).getAsLong(), shape[i]);
        }
        int cols = shape.length == 2 ? (int) shape[1] : 0;
        List<Integer> finite = new ArrayList<>();
        JsonElement f = expect().get("finite_rows");
        if (f != null && f.isJsonPrimitive()) {
            for (int r = 0; r < shape[0]; r++) {
                finite.add(r);
            }
        } else if (f != null) {
            for (JsonElement r : f.getAsJsonArray()) {
                finite.add(r.getAsInt());
            }
        }
        for (int r : finite) {
            double sum = 0;
            for (int k = 0; k < cols; k++) {
                float v = values[r * cols + k];
                assertTrue("row " + r + " should be finite", Float.isFinite(v));
                sum += v;
            }
            assertEquals("row " + r + " is a softmax", 1.0, sum, 1e-4);
        }
        if (expect().has("nan_rows")) {
            for (JsonElement r : expect().getAsJsonArray("nan_rows")) {
                for (int k = 0; k < cols; k++) {
                    assertTrue("NaN propagates", Float.isNaN(values[r.getAsInt() * cols + k]));
                }
            }
        }
    }

    /** The input as the Python side builds it: (i % 97) / 97, then the NaN/Inf fill. */
    private FloatBuffer floats() {
        long[] s = shape();
        int n = (int) Shapes.elements(s);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((i % 97) / 97.0);
        }
        String fill = input().has("fill") ? input().get("fill").getAsString() : "ramp";
        int cols = s.length == 2 ? (int) s[1] : 0;
        if (fill.equals("nan")) {
            Arrays.fill(x, 0, cols, Float.NaN);
            x[cols] = Float.NaN;
        } else if (fill.equals("inf")) {
            x[3] = Float.POSITIVE_INFINITY;
            x[cols + 5] = Float.NEGATIVE_INFINITY;
        }
        return FloatBuffer.wrap(x);
    }

    private byte[] npy() {
        String dtype = dtype();
        if (dtype.equals("float32")) {
            return Npy.toBytes(shape(), floats());
        }
        String descr = dtype.equals("int32") ? "<i4" : dtype.equals("float64") ? "<f8" : "<U3";
        int size = dtype.equals("int32") ? 4 : dtype.equals("float64") ? 8 : 12;
        return npyBytes(descr, shape(), new byte[(int) Shapes.elements(shape()) * size]);
    }

    /**
     * The file of a call by signature, as tests/support/catalogue.py writes it: the golden .npz {@code from}, less
     * {@code drop}, with {@code set}'s arrays; or {@code file}: pseudo-random bytes, or one array alone as a .npy.
     */
    private Path writeInputs(Path root) throws Exception {
        JsonObject spec = c.getAsJsonObject("inputs");
        JsonObject file = spec.has("file") ? spec.getAsJsonObject("file") : new JsonObject();
        if (file.has("random")) {
            Path p = root.resolve("inputs.npz");
            Files.write(p, randomBytes(file.get("seed").getAsString(), file.get("random").getAsInt()));
            return p;
        }
        Map<String, byte[]> arrays = new TreeMap<>();
        for (Map.Entry<String, TensorData> e : Npz.read(golden(spec.get("from").getAsString())).entrySet()) {
            arrays.put(e.getKey(), Npy.toBytes(e.getValue()));
        }
        for (String k : strings(spec.getAsJsonArray("drop"))) {
            arrays.remove(k);
        }
        if (spec.has("set")) {
            for (Map.Entry<String, JsonElement> e : spec.getAsJsonObject("set").entrySet()) {
                arrays.put(e.getKey(), npyOf(e.getValue().getAsJsonObject()));
            }
        }
        if (file.has("npy")) {
            Path p = root.resolve("inputs.npy");
            Files.write(p, arrays.get(file.get("npy").getAsString()));
            return p;
        }
        Path p = root.resolve("inputs.npz");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (Map.Entry<String, byte[]> e : arrays.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return p;
    }

    /**
     * A {@code set} array as numpy saves it, its shape from the nesting of its values. numpy pickles an object
     * array after the header; here its body is a stand-in (the JSON text), since a reader must refuse it from the
     * header's descr before reading any of the body.
     */
    private static byte[] npyOf(JsonObject a) {
        String dtype = a.get("dtype").getAsString();
        JsonArray values = a.getAsJsonArray("values");
        if (dtype.equals("object")) {
            return npyBytes("|O", new long[] {values.size()}, values.toString().getBytes(StandardCharsets.UTF_8));
        }
        List<Long> dims = new ArrayList<>();
        List<JsonElement> flat = new ArrayList<>();
        flatten(values, 0, dims, flat);
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        int width = 1;      // numpy's string dtypes are as wide as their longest element (bytes, or code points)
        for (JsonElement v : flat) {
            width = Math.max(width, dtype.equals("str") ? v.getAsString().codePointCount(0, v.getAsString().length())
                    : v.isJsonPrimitive() ? v.getAsString().getBytes(StandardCharsets.UTF_8).length : 1);
        }
        String descr = dtype.equals("bytes") ? "|S" + width : dtype.equals("str") ? "<U" + width
                : new String[] {"<f4", "<f8", "<i4", "<i8", "|u1", "|b1"}[NPZ_DTYPES.indexOf(dtype)];
        int size = dtype.equals("bytes") ? width : dtype.equals("str") ? 4 * width : TensorData.ITEM_SIZES.get(dtype);
        ByteBuffer b = ByteBuffer.allocate(flat.size() * size).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement v : flat) {
            int at = b.position();
            switch (dtype) {
                case "float32":
                    b.putFloat(v.getAsFloat());
                    break;
                case "float64":
                    b.putDouble(v.getAsDouble());
                    break;
                case "int32":
                    b.putInt(v.getAsInt());
                    break;
                case "int64":
                    b.putLong(v.getAsLong());
                    break;
                case "uint8":
                    b.put((byte) v.getAsInt());
                    break;
                case "bool":
                    b.put((byte) (v.getAsBoolean() ? 1 : 0));
                    break;
                case "bytes":
                    b.put(v.getAsString().getBytes(StandardCharsets.UTF_8));
                    break;
                case "str":
                    v.getAsString().codePoints().forEach(b::putInt);
                    break;
                default:
                    fail("unknown dtype " + dtype);
            }
            b.position(at + size);      // strings are padded with zeros to the width
        }
        return npyBytes(descr, shape, b.array());
    }

    private static void flatten(JsonElement v, int depth, List<Long> dims, List<JsonElement> flat) {
        if (!v.isJsonArray()) {
            flat.add(v);
            return;
        }
        if (dims.size() == depth) {
            dims.add((long) v.getAsJsonArray().size());
        }
        for (JsonElement e : v.getAsJsonArray()) {
            flatten(e, depth + 1, dims, flat);
        }
    }

    /** A version 1.0 .npy of any descr: the header numpy would write, then body as it is. */
    private static byte[] npyBytes(String descr, long[] s, byte[] body) {
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (");
        for (long d : s) {
            header.append(d).append(", ");
        }
        header.append("), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.US_ASCII)).put(body);
        return b.array();
    }

    private static Path golden(String name) {
        return FIXTURES.resolve("golden").resolve(name);
    }

    private Path buildModel(Path root) throws Exception {
        JsonObject spec = c.getAsJsonObject("model");
        Path d = root.resolve(spec.has("name") ? spec.get("name").getAsString() : "model");
        String base = spec.get("base").getAsString();
        if (base.equals("empty")) {
            Files.createDirectories(d);
        } else if (!base.equals("none")) {
            copy(FIXTURES.resolve("golden").resolve(base), d);
        }
        if (spec.has("damage")) {
            for (JsonElement step : spec.getAsJsonArray("damage")) {
                apply(step.getAsJsonObject(), d);
            }
        }
        if (spec.has("symlink") && spec.get("symlink").getAsBoolean()) {
            return Files.createSymbolicLink(root.resolve("link-to-model"), d);
        }
        return d;
    }

    private static void apply(JsonObject step, Path d) throws Exception {
        if (step.has("delete")) {
            delete(d.resolve(step.get("delete").getAsString()));
        } else if (step.has("empty")) {
            Files.write(d.resolve(step.get("empty").getAsString()), new byte[0]);
        } else if (step.has("directory")) {
            Path p = d.resolve(step.get("directory").getAsString());
            Files.delete(p);
            Files.createDirectory(p);
        } else if (step.has("truncate")) {
            Path p = d.resolve(step.get("truncate").getAsString());
            byte[] data = Files.readAllBytes(p);
            int keep = step.has("keep") ? (int) Math.floor(data.length * step.get("keep").getAsDouble())
                    : data.length - step.get("drop_bytes").getAsInt();
            Files.write(p, Arrays.copyOf(data, keep));
        } else if (step.has("random")) {
            Files.write(d.resolve(step.get("random").getAsString()),
                    randomBytes(step.get("seed").getAsString(), step.get("bytes").getAsInt()));
        } else if (step.has("rename_input")) {
            JsonObject a = step.getAsJsonObject("rename_input");
            editModel(d, sm -> {
                for (MetaGraphDef.Builder mg : sm.getMetaGraphsBuilderList()) {
                    GraphDef.Builder g = mg.getGraphDefBuilder();
                    for (NodeDef.Builder n : g.getNodeBuilderList()) {
                        if (n.getName().equals(a.get("node").getAsString())) {
                            for (int i = 0; i < n.getInputCount(); i++) {
                                if (n.getInput(i).equals(a.get("from").getAsString())) {
                                    n.setInput(i, a.get("to").getAsString());
                                }
                            }
                        }
                    }
                }
            });
        } else if (step.has("add_tag")) {
            JsonObject a = step.getAsJsonObject("add_tag");
            editModel(d, sm -> sm.getMetaGraphsBuilder(a.get("meta_graph").getAsInt()).getMetaInfoDefBuilder()
                    .addTags(a.get("tag").getAsString()));
        } else {
            fail("unknown damage step " + step);
        }
    }

    private interface Edit {
        void apply(SavedModel.Builder sm);
    }

    private static void editModel(Path d, Edit edit) throws IOException {
        Path pb = d.resolve("saved_model.pb");
        SavedModel.Builder sm = SavedModel.parseFrom(Files.readAllBytes(pb)).toBuilder();
        edit.apply(sm);
        Files.write(pb, sm.build().toByteArray());
    }

    /** Every file under root and its bytes: what a refused command must leave as it was. */
    private static Map<String, byte[]> snapshot(Path root) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).collect(Collectors.toList())) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** SHA-256(seed + ":" + i) for i = 0, 1, ... concatenated: the same bytes as the Python side's. */
    static byte[] randomBytes(String seed, int n) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; out.size() < n; i++) {
            out.write(MessageDigest.getInstance("SHA-256").digest((seed + ":" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return Arrays.copyOf(out.toByteArray(), n);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    private static void delete(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                List<Path> all = s.sorted((a, b) -> b.compareTo(a)).collect(Collectors.toList());
                for (Path q : all) {
                    Files.delete(q);
                }
            }
        } else {
            Files.delete(p);
        }
    }

    private static String[] strings(JsonArray a) {
        if (a == null) {
            return new String[0];
        }
        String[] s = new String[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsString();
        }
        return s;
    }

    /** A folder nothing can be written into, even by root: mode 555, plus chattr +i when root. */
    static final class ReadOnly {
        private ReadOnly() {
        }

        static void make(Path dir) throws Exception {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
            if ("root".equals(System.getProperty("user.name"))) {
                run("chattr", "+i", dir.toString());
            }
        }

        static void undo(Path dir) throws Exception {
            if ("root".equals(System.getProperty("user.name"))) {
                run("chattr", "-i", dir.toString());
            }
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        private static void run(String... cmd) throws Exception {
            assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor());
        }
    }

}
