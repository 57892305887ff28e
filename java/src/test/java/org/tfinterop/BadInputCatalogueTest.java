package org.tfinterop;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.Assert.assertEquals;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * Java library and the Java command line. Each case is built from a copy of a golden fixture.
 */
@RunWith(Parameterized.class)
public class BadInputCatalogueTest {
    private static final Path FIXTURES = Paths.get(System.getProperty("tfinterop.fixtures", "../fixtures"));

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

    /** Through the library: Model.load and Model.run (a float-only API, so the dtype cases are the CLI's). */
    @Test
    public void library() throws Exception {
        if (c.has("output") || !dtype().equals("float32")) {
            return;     // output files and .npy dtypes exist only on the command line, tested below
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
            if (ok()) {
                throw new AssertionError(c.get("id") + " should work but gave " + e.kind() + ": " + e.getMessage(), e);
            }
            assertEquals(e.getMessage(), expect().get("kind").getAsString(), e.kind());
            for (String word : strings(expect().getAsJsonArray("mentions"))) {
                assertThat(e.getMessage(), containsString(word));
            }
        }
        assertEquals("a bundle stayed open", before, LiveResources.openBundles());
    }

    /** Through the command line, in-process (Cli.run never exits the JVM). */
    @Test
    public void commandLine() throws Exception {
        Path root = tmp.getRoot().toPath();
        Path dir = buildModel(root);
        Path x = root.resolve("x.npy");
        Files.write(x, npy());
        Path outDir = root;
        if ("read-only".equals(name("output", ""))) {
            outDir = root.resolve("read-only");
            ReadOnly.make(outDir);
        }
        Path y = outDir.resolve("y.npy");
        if ("exists".equals(name("output", ""))) {
            Files.write(y, "precious".getBytes(StandardCharsets.UTF_8));
        }
        List<String> args = new ArrayList<>(Arrays.asList("predict", dir.toString(), "--input", x.toString(),
                "--output", y.toString(), "--input-name", name("input_name", "myInput"),
                "--output-name", name("output_name", "myOutput")));
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
                left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".y.npy")).collect(Collectors.toList());
            }
        } finally {
            if (outDir != root) {
                ReadOnly.undo(outDir);
            }
        }
        String err = new String(e.toByteArray(), StandardCharsets.UTF_8);
        assertEquals("partial output files left", new ArrayList<String>(), left);
        if (ok()) {
            assertEquals(err, 0, rc);
            Npy out = Npy.read(y);
            float[] values = new float[(int) Shapes.elements(out.shape())];
            out.buffer().get(values);
            checkResult(out.shape(), values);
        } else {
            String kind = expect().has("java_cli_kind") ? expect().get("java_cli_kind").getAsString()
                    : expect().get("kind").getAsString();
            assertEquals(err, 1, rc);
            assertThat(err, containsString("error: " + kind + ":"));
            for (String word : strings(expect().getAsJsonArray("mentions"))) {
                assertThat(err, containsString(word));
            }
            if ("exists".equals(name("output", ""))) {
                assertEquals("precious", new String(Files.readAllBytes(y), StandardCharsets.UTF_8));
            }
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
        long[] s = shape();
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (");
        for (long d : s) {
            header.append(d).append(", ");
        }
        header.append("), }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + (int) Shapes.elements(s) * size).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.US_ASCII));
        return b.array();
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
